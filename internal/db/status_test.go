package db

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

func execAll(t *testing.T, db *DB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := db.W().ExecContext(t.Context(), s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// statusFixture is a small mirror: server a with current and removed rows,
// server b marked removed with rows left in it, and daemon bookkeeping.
func statusFixture(t *testing.T, db *DB) {
	execAll(t, db,
		`INSERT INTO servers (id, name, owned, connection_uri, refreshed_at) VALUES ('a', 'Alpha', 1, 'https://10.0.0.1:32400', 100)`,
		`INSERT INTO servers (id, name, owned, refreshed_at, removed_at) VALUES ('b', 'Beta', 0, 90, 95)`,
		`INSERT INTO sections (server_id, key, type, hash) VALUES ('a', '1', 'artist', 0), ('a', '2', 'artist', 0), ('b', '1', 'artist', 0)`,
		`UPDATE sections SET removed_at = 50 WHERE server_id = 'a' AND key = '2'`,
		`INSERT INTO artists (server_id, rating_key, section_key, hash) VALUES ('a', '1', '1', 0), ('a', '2', '1', 0), ('b', '1', '1', 0)`,
		`INSERT INTO albums (server_id, rating_key, section_key, hash) VALUES ('a', '10', '1', 0)`,
		`INSERT INTO tracks (server_id, rating_key, section_key, hash, removed_at) VALUES
			('a', '100', '1', 0, NULL), ('a', '101', '1', 0, NULL), ('a', '102', '1', 0, 70), ('b', '100', '1', 0, NULL)`,
		`INSERT INTO playlists (server_id, rating_key, hash, removed_at) VALUES ('a', 'p1', 0, NULL), ('a', 'p2', 0, 80)`,
		`INSERT INTO playlist_items (server_id, playlist_rating_key, position, track_rating_key) VALUES
			('a', 'p1', 0, '100'), ('a', 'p1', 1, '101'), ('a', 'p2', 0, '100')`,
		// Server a: an ok run, then a failed one (newest). Its last contact
		// is the ok run's end, its last sync the failed one.
		`INSERT INTO sync_runs (kind, server_id, started_at, finished_at, status, added, updated, removed, requests) VALUES
			('full', 'a', 200, 210, 'ok', 3, 0, 0, 12),
			('incremental', 'b', 205, 206, 'partial', 0, 1, 0, 3),
			('incremental', 'a', 300, 301, 'failed', 0, 0, 0, 1)`,
		`UPDATE sync_runs SET error = 'connect: no connection answered' WHERE started_at = 300`,
		`INSERT INTO job_runs (job, started_at, finished_at, status, error, details) VALUES
			('backup', 100, 101, 'ok', NULL, '{"file":"/b/one.db","bytes":4096,"integrity":"ok"}'),
			('sync', 200, 211, 'ok', NULL, '{"servers":2,"added":3,"updated":1,"removed":0}'),
			('backup', 400, 401, 'failed', 'integrity_check: not ok', NULL),
			('sync', 300, NULL, 'running', NULL, 'not json')`,
		`INSERT INTO daemon_state (key, value, updated_at) VALUES
			('token', '{"state":"rejected","since":250,"checked_at":260,"account":"alice","error":"plex.tv rejected the token"}', 260),
			('schedule', '{"sync":{"spec":"@every 15m","next":1200},"backup":{"spec":"@daily","next":86400}}', 260),
			('daemon', '{"pid":4242,"started_at":150,"version":"1.2.3","http":"127.0.0.1:9090"}', 151),
			('other', 'whatever a later version keeps', 1)`,
	)
}

func TestStatus(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plexm8.db")
	w := openTest(t, path, Options{})
	statusFixture(t, w)
	// Status reads through a read-only open beside the writer, as the
	// command does while the daemon runs.
	r := openTest(t, path, Options{ReadOnly: true})
	st, err := r.Status(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if st.SchemaVersion != LatestVersion() || st.Bytes <= 0 {
		t.Errorf("schema %d, bytes %d", st.SchemaVersion, st.Bytes)
	}
	if len(st.Servers) != 2 || st.Servers[0].ID != "a" || st.Servers[1].ID != "b" {
		t.Fatalf("servers %+v", st.Servers)
	}
	a, b := st.Servers[0], st.Servers[1]
	if want := (MirrorCounts{Sections: 1, Artists: 2, Albums: 1, Tracks: 2, Playlists: 1, PlaylistItems: 2}); a.Counts != want {
		t.Errorf("a counts %+v, want %+v", a.Counts, want)
	}
	if a.Connection != "https://10.0.0.1:32400" || a.LastContact != 210 || a.RemovedAt != 0 || !a.Owned || a.RefreshedAt != 100 {
		t.Errorf("a %+v", a)
	}
	if a.LastSync == nil || a.LastSync.Status != "failed" || a.LastSync.Server != "Alpha" || !strings.Contains(a.LastSync.Error, "no connection") {
		t.Errorf("a last sync %+v", a.LastSync)
	}
	if b.RemovedAt != 95 || b.LastContact != 206 || b.Counts.Tracks != 1 || b.LastSync == nil || b.LastSync.Status != "partial" {
		t.Errorf("b %+v", b)
	}
	// A removed server's rows are not part of the mirror's totals.
	if st.Totals != a.Counts {
		t.Errorf("totals %+v, want server a's %+v", st.Totals, a.Counts)
	}
	if len(st.RecentSyncs) != 3 || st.RecentSyncs[0].StartedAt != 300 || st.RecentSyncs[2].Requests != 12 {
		t.Errorf("recent syncs %+v", st.RecentSyncs)
	}

	if len(st.Jobs) != 2 || st.Jobs[0].Job != "backup" || st.Jobs[1].Job != "sync" {
		t.Fatalf("jobs %+v", st.Jobs)
	}
	if j := st.Jobs[0]; j.Status != "failed" || j.Error != "integrity_check: not ok" || j.Details != nil || j.FinishedAt != 401 {
		t.Errorf("backup job %+v", j)
	}
	if j := st.Jobs[1]; j.Status != "running" || j.FinishedAt != 0 || j.Details != nil {
		t.Errorf("running sync job with broken details %+v", j)
	}
	var bk struct {
		File  string
		Bytes int64
	}
	if st.LastGoodBackup == nil || json.Unmarshal(st.LastGoodBackup.Details, &bk) != nil || bk.File != "/b/one.db" || bk.Bytes != 4096 {
		t.Errorf("last good backup %+v", st.LastGoodBackup)
	}

	if st.Token == nil || *st.Token != (TokenState{State: "rejected", Since: 250, CheckedAt: 260, Account: "alice", Error: "plex.tv rejected the token"}) {
		t.Errorf("token %+v", st.Token)
	}
	if st.Schedule["sync"] != (ScheduledJob{Spec: "@every 15m", Next: 1200}) || len(st.Schedule) != 2 {
		t.Errorf("schedule %+v", st.Schedule)
	}
	if st.Daemon == nil || *st.Daemon != (DaemonInfo{PID: 4242, StartedAt: 150, Version: "1.2.3", HTTP: "127.0.0.1:9090", UpdatedAt: 151}) {
		t.Errorf("daemon %+v", st.Daemon)
	}
	if len(st.Problems) != 0 {
		t.Errorf("problems %q", st.Problems)
	}
}

func TestStatusOfEmptyDatabase(t *testing.T) {
	db := openTest(t, filepath.Join(t.TempDir(), "plexm8.db"), Options{})
	st, err := db.Status(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Servers)+len(st.Jobs)+len(st.RecentSyncs) != 0 || st.Token != nil || st.Daemon != nil ||
		st.LastGoodBackup != nil || st.Schedule == nil || len(st.Schedule) != 0 || st.Totals != (MirrorCounts{}) {
		t.Errorf("empty status %+v", st)
	}
}

// A daemon_state value that is not the agreed JSON is reported, and the
// rest of the status still reads.
func TestStatusReportsUndecodableDaemonState(t *testing.T) {
	db := openTest(t, filepath.Join(t.TempDir(), "plexm8.db"), Options{})
	execAll(t, db,
		`INSERT INTO daemon_state (key, value, updated_at) VALUES ('token', '{"state":', 1), ('schedule', 'null', 1), ('daemon', '[1]', 1)`,
		`INSERT INTO servers (id, name, owned) VALUES ('a', 'Alpha', 1)`)
	st, err := db.Status(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if st.Token != nil || st.Daemon != nil || st.Schedule == nil || len(st.Servers) != 1 {
		t.Errorf("status %+v", st)
	}
	if len(st.Problems) != 2 || !strings.Contains(strings.Join(st.Problems, "\n"), `"token"`) {
		t.Errorf("problems %q", st.Problems)
	}
}

// BenchmarkStatus reads the status of a mirror of b's size in tracks (one
// server, one section, albums of 10 tracks, a tenth of the tracks removed).
func BenchmarkStatus(b *testing.B) {
	for _, tracks := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("tracks=%d", tracks), func(b *testing.B) {
			db, err := Open(b.Context(), filepath.Join(b.TempDir(), "plexm8.db"), Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			for _, q := range []string{
				`INSERT INTO servers (id, name, owned) VALUES ('a', 'Alpha', 1)`,
				`INSERT INTO sections (server_id, key, type, hash) VALUES ('a', '1', 'artist', 0)`,
				fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
					INSERT INTO tracks (server_id, rating_key, section_key, album_rating_key, title, hash, removed_at)
					SELECT 'a', i, '1', i / 10, 'Track ' || i, i, CASE WHEN i %% 10 = 0 THEN 1 END FROM n`, tracks),
				`INSERT INTO albums (server_id, rating_key, section_key, hash) SELECT DISTINCT 'a', album_rating_key, '1', 0 FROM tracks`,
				`INSERT INTO sync_runs (kind, server_id, started_at, finished_at, status) VALUES ('full', 'a', 1, 2, 'ok')`,
			} {
				if _, err := db.W().ExecContext(b.Context(), q); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for b.Loop() {
				st, err := db.Status(b.Context())
				if err != nil {
					b.Fatal(err)
				}
				if st.Totals.Tracks != int64(tracks-tracks/10) {
					b.Fatalf("tracks %d", st.Totals.Tracks)
				}
			}
		})
	}
}
