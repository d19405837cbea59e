package db

import (
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
)

// Snapshot is what history keeps of the track behind a playlist entry, as
// the playlist listing described it.
type Snapshot struct {
	GUID, Guids, Title, Artist, Album   sql.Null[string]
	TrackNumber, DiscNumber, DurationMS sql.Null[int64]
	File                                sql.Null[string]
}

// Entry is a playlist item with its snapshot, for StageEntries.
type Entry struct {
	PlaylistItem
	Snapshot
}

// snapshotHash addresses a snapshot row: SHA-256 of the server, the track
// key and every description column, cut to 64 bits. The rows are shared by
// content, so a collision would hand one track's description to another; at
// 64 bits that takes billions of distinct rows. An integer key keeps the
// unique index small and its probes cheap.
func snapshotHash(serverID, trackKey string, s *Snapshot) int64 {
	// One buffer and one Sum256 instead of a streaming hash fed field by
	// field: the same bytes, so the same addresses as before, at a third of
	// the cost (a first sync hashes every staged item).
	n := len(serverID) + len(trackKey) + 11*9
	for _, v := range [...]*sql.Null[string]{&s.GUID, &s.Guids, &s.Title, &s.Artist, &s.Album, &s.File} {
		n += len(v.V)
	}
	b := make([]byte, 0, n)
	text := func(v string) {
		b = append(b, 's')
		b = binary.LittleEndian.AppendUint64(b, uint64(len(v)))
		b = append(b, v...)
	}
	str := func(v sql.Null[string]) {
		if !v.Valid {
			b = append(b, 'n')
			return
		}
		text(v.V)
	}
	num := func(v sql.Null[int64]) {
		if !v.Valid {
			b = append(b, 'n')
			return
		}
		b = append(b, 'i')
		b = binary.LittleEndian.AppendUint64(b, uint64(v.V))
	}
	text(serverID)
	text(trackKey)
	str(s.GUID)
	str(s.Guids)
	str(s.Title)
	str(s.Artist)
	str(s.Album)
	num(s.TrackNumber)
	num(s.DiscNumber)
	num(s.DurationMS)
	str(s.File)
	sum := sha256.Sum256(b)
	return int64(binary.LittleEndian.Uint64(sum[:8]))
}
