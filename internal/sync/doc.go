// Package sync mirrors Plex servers into the database. It plans the work from
// Plex's change signals, pages listings concurrently, and hands decoded pages
// to a single writer. It never marks a row removed on partial information:
// only a complete and consistent listing can do that.
//
// Import this package as mirror:
//
//	mirror "github.com/plexm8/plexm8-sync/internal/sync"
//
// Its directory name is fixed by the project's layout, but it shares it with
// the standard library, and one name everywhere keeps call sites greppable
// (mirror.New, mirror.Options). Inside the package the standard library's
// sync is imported as gosync, for the same reason.
package sync
