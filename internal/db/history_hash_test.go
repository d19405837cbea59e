package db

import (
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"testing"
)

// streamedSnapshotHash is snapshotHash as first shipped (a streaming hash
// fed field by field). Stored descriptions are addressed by it, so the
// faster version must give every snapshot the same address.
func streamedSnapshotHash(serverID, trackKey string, s *Snapshot) int64 {
	h := sha256.New()
	var n [8]byte
	str := func(v sql.Null[string]) {
		if !v.Valid {
			h.Write([]byte{'n'})
			return
		}
		binary.LittleEndian.PutUint64(n[:], uint64(len(v.V)))
		h.Write([]byte{'s'})
		h.Write(n[:])
		h.Write([]byte(v.V))
	}
	num := func(v sql.Null[int64]) {
		if !v.Valid {
			h.Write([]byte{'n'})
			return
		}
		binary.LittleEndian.PutUint64(n[:], uint64(v.V))
		h.Write([]byte{'i'})
		h.Write(n[:])
	}
	str(sql.Null[string]{V: serverID, Valid: true})
	str(sql.Null[string]{V: trackKey, Valid: true})
	str(s.GUID)
	str(s.Guids)
	str(s.Title)
	str(s.Artist)
	str(s.Album)
	num(s.TrackNumber)
	num(s.DiscNumber)
	num(s.DurationMS)
	str(s.File)
	sum := h.Sum(nil)
	return int64(binary.LittleEndian.Uint64(sum[:8]))
}

func TestSnapshotHashUnchanged(t *testing.T) {
	snaps := []Snapshot{
		{},
		{GUID: str("plex://track/1"), Guids: str(`["mbid://x"]`), Title: str("Tïtle"), Artist: str("A"), Album: str(""),
			TrackNumber: num(3), DiscNumber: num(0), DurationMS: num(-1), File: str("/m/a b.flac")},
		{Title: str("only a title"), DurationMS: num(1 << 40)},
		{Artist: str("x"), Album: str("x")}, // same text, other column
		{Album: str("x"), File: str("x")},
	}
	seen := map[int64]bool{}
	for i := range snaps {
		for _, key := range []string{"", "1", "12"} {
			got, want := snapshotHash("srv", key, &snaps[i]), streamedSnapshotHash("srv", key, &snaps[i])
			if got != want {
				t.Errorf("snapshot %d key %q: hash %d, first shipped %d", i, key, got, want)
			}
			if seen[got] {
				t.Errorf("snapshot %d key %q: hash %d repeats", i, key, got)
			}
			seen[got] = true
		}
	}
	for _, es := range entries("p", 1, "1", "2", "3") {
		if got, want := snapshotHash("s", es.TrackRatingKey, &es.Snapshot), streamedSnapshotHash("s", es.TrackRatingKey, &es.Snapshot); got != want {
			t.Errorf("entry %s: hash %d, first shipped %d", es.TrackRatingKey, got, want)
		}
	}
}
