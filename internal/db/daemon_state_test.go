package db

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestDaemonStateRecords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plexm8.db")
	d, err := Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Nothing recorded yet.
	if tok, err := d.TokenState(t.Context()); tok != nil || err != nil {
		t.Errorf("token before any = %+v, %v", tok, err)
	}
	if s, err := d.Schedule(t.Context()); s == nil || len(s) != 0 || err != nil {
		t.Errorf("schedule before any = %#v, %v; want empty", s, err)
	}
	if info, err := d.DaemonInfo(t.Context()); info != nil || err != nil {
		t.Errorf("daemon before any = %+v, %v", info, err)
	}

	if err := d.SetTokenState(t.Context(), TokenState{State: TokenOK}, 1); err != nil {
		t.Fatal(err)
	}
	rejected := TokenState{State: TokenRejected, Since: 5, CheckedAt: 6, Account: "alice", Error: "plex.tv answered 401 Unauthorized", TokenID: "0a1b2c"}
	if err := d.SetTokenState(t.Context(), rejected, 2); err != nil {
		t.Fatal(err)
	}
	sched := Schedule{JobSync: {Spec: "@every 15m", Next: 900}, JobFullSync: {}}
	if err := d.SetSchedule(t.Context(), sched, 3); err != nil {
		t.Fatal(err)
	}
	info := DaemonInfo{PID: 4242, StartedAt: 7, Version: "v1.0.0", HTTP: "127.0.0.1:9090"}
	if err := d.SetDaemonInfo(t.Context(), info, 8); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}

	d = openTest(t, path, Options{})
	if tok, err := d.TokenState(t.Context()); err != nil || tok == nil || *tok != rejected {
		t.Errorf("token = %+v, %v; want %+v", tok, err, rejected)
	}
	if s, err := d.Schedule(t.Context()); err != nil || !reflect.DeepEqual(s, sched) {
		t.Errorf("schedule = %+v, %v; want %+v", s, err, sched)
	}
	info.UpdatedAt = 8
	if got, err := d.DaemonInfo(t.Context()); err != nil || got == nil || *got != info {
		t.Errorf("daemon = %+v, %v; want %+v", got, err, info)
	}
	// The stored JSON has the keys every version wrote and reads.
	for key, want := range map[string]string{
		"token":    `{"state":"rejected","since":5,"checked_at":6,"account":"alice","error":"plex.tv answered 401 Unauthorized","token_id":"0a1b2c"}`,
		"schedule": `{"full_sync":{"spec":"","next":0},"sync":{"spec":"@every 15m","next":900}}`,
		"daemon":   `{"pid":4242,"started_at":7,"version":"v1.0.0","http":"127.0.0.1:9090"}`,
	} {
		var got string
		if err := d.R().QueryRowContext(t.Context(), `SELECT value FROM daemon_state WHERE key = ?`, key).Scan(&got); err != nil || got != want {
			t.Errorf("%s stored as %s, %v; want %s", key, got, err, want)
		}
	}
}

// Values written before the records had their own types (the daemon
// record was a map, so its keys came sorted) read the same.
func TestDaemonStateReadsEarlierValues(t *testing.T) {
	d := openTest(t, filepath.Join(t.TempDir(), "plexm8.db"), Options{})
	execAll(t, d, `INSERT INTO daemon_state (key, value, updated_at) VALUES
		('token', '{"state":"ok","since":1,"checked_at":2,"account":"bob","error":""}', 2),
		('schedule', '{"backup":{"spec":"30 4 * * *","next":1764563400}}', 3),
		('daemon', '{"http":"","pid":99,"started_at":4,"version":"dev"}', 4)`)
	if tok, err := d.TokenState(t.Context()); err != nil || *tok != (TokenState{State: "ok", Since: 1, CheckedAt: 2, Account: "bob"}) {
		t.Errorf("token = %+v, %v", tok, err)
	}
	if s, err := d.Schedule(t.Context()); err != nil || s[JobBackup] != (ScheduledJob{Spec: "30 4 * * *", Next: 1764563400}) {
		t.Errorf("schedule = %+v, %v", s, err)
	}
	if info, err := d.DaemonInfo(t.Context()); err != nil || *info != (DaemonInfo{PID: 99, StartedAt: 4, Version: "dev", UpdatedAt: 4}) {
		t.Errorf("daemon = %+v, %v", info, err)
	}
	execAll(t, d, `UPDATE daemon_state SET value = '{"state":' WHERE key = 'token'`,
		`UPDATE daemon_state SET value = 'null' WHERE key = 'schedule'`)
	if tok, err := d.TokenState(t.Context()); tok != nil || err == nil || !strings.Contains(err.Error(), `"token"`) {
		t.Errorf("undecodable token = %+v, %v; want an error naming it", tok, err)
	}
	if s, err := d.Schedule(t.Context()); err != nil || s == nil || len(s) != 0 {
		t.Errorf("null schedule = %#v, %v; want empty", s, err)
	}
}
