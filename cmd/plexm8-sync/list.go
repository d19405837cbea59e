package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/table"
)

// searchWords parses the flags that may follow a list command's words and
// makes those words the search, which --search may give instead.
func (a *app) searchWords(fs *flag.FlagSet, args []string, search *string) error {
	words, err := a.positionals(fs, args)
	if err != nil {
		return err
	}
	if len(words) > 0 {
		if *search != "" {
			return usageErrorf("give the search either as --search or as words, not both")
		}
		*search = strings.Join(words, " ")
	}
	return nil
}

// listing is what one offline list command holds of its own: how it fetches
// its rows and how it shows them. listRows does the rest.
type listing[T any] struct {
	what    string // the rows' name, as in "(showing the first 5 albums …)"
	none    string // printed instead of an empty table
	fetch   func(ctx context.Context, d *db.DB, limit int) ([]T, error)
	server  func(T) string
	columns func(serverHeader string) []table.Column
	row     func(T) []any
}

// listRows checks the limit and format, fetches one row past the limit from
// the read-only mirror to tell whether there were more, and writes the rows.
func listRows[T any](ctx context.Context, a *app, out outputFlags, limit int, l listing[T]) error {
	if err := checkLimit(limit); err != nil {
		return err
	}
	if _, err := out.format(); err != nil {
		return err
	}
	d, err := a.openDB(ctx, true)
	if err != nil {
		return err
	}
	defer d.Close()
	rows, err := l.fetch(ctx, d, moreThan(limit))
	if errors.Is(err, db.ErrNothingToSearch) {
		return usageErrorf("%v", err)
	}
	if err != nil {
		return err
	}
	if limit > 0 && len(rows) > limit {
		defer a.noteCut(len(rows), limit, l.what)
		rows = rows[:limit]
	}
	if len(rows) == 0 && !out.json && !out.csv {
		fmt.Fprintln(a.Stdout, l.none)
		return nil
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = l.server(r)
	}
	w, err := a.newTable(out, l.columns(serverHeader(ids)))
	if err != nil {
		return err
	}
	for _, r := range rows {
		if err := w.Row(l.row(r)...); err != nil {
			return err
		}
	}
	return w.Close()
}
