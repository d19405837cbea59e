package db

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
)

// The first use of the mirror's statements, by a pass cancelled at its very
// start, must not decide the fate of later passes: the next pass, with a
// live context, works.
func TestCancelledFirstPassLeavesTheNextWorking(t *testing.T) {
	for _, first := range []struct {
		name string
		use  func(ctx context.Context, d *DB) error
	}{
		{"StartListing", func(ctx context.Context, d *DB) error { return d.StartListing(ctx, KindTrack) }},
		{"Begin", func(ctx context.Context, d *DB) error {
			tx, err := d.Begin(ctx)
			if err == nil {
				tx.Rollback()
			}
			return err
		}},
		{"StageItems", func(ctx context.Context, d *DB) error {
			return d.StageItems(ctx, "s", "p", 0, []PlaylistItem{{TrackRatingKey: "1"}})
		}},
	} {
		t.Run(first.name, func(t *testing.T) {
			d := openTest(t, filepath.Join(t.TempDir(), "m.db"), Options{})
			cancelled, cancel := context.WithCancel(t.Context())
			cancel()
			if err := first.use(cancelled, d); !errors.Is(err, context.Canceled) {
				t.Fatalf("first use with a cancelled context: %v, want context.Canceled", err)
			}

			ctx := t.Context()
			if err := d.StartListing(ctx, KindTrack); err != nil {
				t.Fatalf("next pass: start listing: %v", err)
			}
			tx, err := d.Begin(ctx)
			if err != nil {
				t.Fatalf("next pass: begin: %v", err)
			}
			defer tx.Rollback()
			ch, err := tx.PutPage(ctx, []Row{TrackRow(&Track{ServerID: "s", RatingKey: "1", SectionKey: "1", Title: str("A")})}, true)
			if err != nil {
				t.Fatalf("next pass: put: %v", err)
			}
			if ch[0] != Added {
				t.Fatalf("next pass: put = %v, want Added", ch[0])
			}
			if err := tx.Commit(); err != nil {
				t.Fatalf("next pass: commit: %v", err)
			}
			if n, err := d.SeenCount(ctx, KindTrack); err != nil || n != 1 {
				t.Fatalf("next pass: seen %d, %v; want 1", n, err)
			}
		})
	}
}

// A read-only DB has no writer: a write through it is an error, not a panic.
func TestWriteThroughReadOnlyIsAnError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	_ = openTest(t, path, Options{})
	ro := openTest(t, path, Options{ReadOnly: true})
	if _, err := ro.Begin(t.Context()); !errors.Is(err, errReadOnly) {
		t.Fatalf("Begin on a read-only DB: %v, want errReadOnly", err)
	}
}
