package plextest

import (
	"fmt"
	"time"
)

// Options configures a Fake. The zero value is usable: every zero field gets
// the default named in its comment.
type Options struct {
	// Seed makes everything generated a pure function of Seed and the sizes.
	Seed int64
	// Tracks is the number of tracks in the owned server's main music
	// section; default 200. Sizes from 10 to 1,000,000 are supported.
	Tracks int
	// SharedTracks is the number of tracks in the shared server's music
	// section; default 30.
	SharedTracks int
	// SecondTracks is the number of tracks in the owned server's second
	// music section ("4"); default Tracks/8, at least 12 and at most 500.
	SecondTracks int
	// MaxPageSize caps X-Plex-Container-Size; default 1000. A request for
	// more gets fewer items, which totalSize and size reveal.
	MaxPageSize int
	// Now is the clock for createdAt/updatedAt/expiry stamps and the PMS
	// Date header. Default: a fixed base time advanced one second per
	// mutation (see SharedSecond) and by Fake.Advance.
	Now func() time.Time
	// SharedSecond keeps the default clock still across mutations: every
	// read and every mutation happens in the same whole second until
	// Fake.Advance moves it, as on a real server where an edit lands in the
	// second of a client's last read. Plex stamps are whole seconds, so such
	// an edit can leave updatedAt, leafCount and duration exactly as the
	// client stored them (a reorder changes none of them).
	SharedSecond bool
	// SectionStampsIgnoreEdits makes metadata edits (EditTrack,
	// RenameArtist, RenameAlbum) leave the section's updatedAt and
	// contentChangedAt where they were; only additions and removals (a
	// scan) move them. Whether a real PMS moves them on an edit is
	// UNVERIFIED (docs/plex-api.md, "Change detection"), so a client must see edits without them.
	SectionStampsIgnoreEdits bool
	// Latency is slept (really) before every PMS request; for benchmarks
	// and the demo only. Default 0.
	Latency time.Duration
	// ItemLatency is slept per item a PMS response returns.
	ItemLatency time.Duration
	// WindowClock is the clock rate-limit windows (Fault.Window) and
	// Request.Clock are measured on; default time.Now. Tests that drive the
	// client with an injected clock pass the same clock here.
	WindowClock func() time.Time
	// Cores, when above 0, is the load model: the server has that many
	// cores, and Latency and ItemLatency are work done holding one of them,
	// so requests beyond Cores queue and latency grows with the number of
	// requests served at once. 0: Latency is a pure delay, any number of
	// requests in parallel.
	Cores int
	// Gzip answers gzip-compressed bodies (of 1 KiB and more) to requests
	// that accept them, as PMS does.
	Gzip bool
	// PINLifetime is the lifetime of a strong PIN; default 30 minutes.
	// Non-strong PINs live 900 s, as on plex.tv.
	PINLifetime time.Duration
}

const (
	defaultTracks       = 200
	defaultSharedTracks = 30
	minSecondTracks     = 12
	maxSecondTracks     = 500
	defaultMaxPageSize  = 1000
	defaultPINLifetime  = 30 * time.Minute
	shortPINLifetime    = 900 * time.Second
	maxTracks           = 10_000_000
)

// withDefaults validates o and fills in the defaults.
func (o Options) withDefaults() (Options, error) {
	if o.Tracks == 0 {
		o.Tracks = defaultTracks
	}
	if o.SharedTracks == 0 {
		o.SharedTracks = defaultSharedTracks
	}
	if o.SecondTracks == 0 {
		o.SecondTracks = min(max(o.Tracks/8, minSecondTracks), maxSecondTracks)
	}
	if o.MaxPageSize == 0 {
		o.MaxPageSize = defaultMaxPageSize
	}
	if o.PINLifetime == 0 {
		o.PINLifetime = defaultPINLifetime
	}
	switch {
	case o.Tracks < 1 || o.Tracks > maxTracks:
		return o, fmt.Errorf("plextest: Options.Tracks = %d: use 1 to %d (0 means %d)", o.Tracks, maxTracks, defaultTracks)
	case o.SharedTracks < 1 || o.SharedTracks > maxTracks:
		return o, fmt.Errorf("plextest: Options.SharedTracks = %d: use 1 to %d (0 means %d)", o.SharedTracks, maxTracks, defaultSharedTracks)
	case o.SecondTracks < 1 || o.SecondTracks > maxTracks:
		return o, fmt.Errorf("plextest: Options.SecondTracks = %d: use 1 to %d (0 means Tracks/8, %d to %d)", o.SecondTracks, maxTracks, minSecondTracks, maxSecondTracks)
	case o.MaxPageSize < 1:
		return o, fmt.Errorf("plextest: Options.MaxPageSize = %d: use a positive size (0 means %d)", o.MaxPageSize, defaultMaxPageSize)
	case o.Cores < 0:
		return o, fmt.Errorf("plextest: Options.Cores = %d: use 0 (no load model) or a positive number of cores", o.Cores)
	case o.Latency < 0 || o.ItemLatency < 0 || o.PINLifetime < 0:
		return o, fmt.Errorf("plextest: negative duration in Options: latencies and PINLifetime must be >= 0")
	}
	return o, nil
}
