package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/format"
	"github.com/plexm8/plexm8-sync/internal/history"
	"github.com/plexm8/plexm8-sync/internal/plex"
	"github.com/plexm8/plexm8-sync/internal/restore"
)

func restoreCommand() *command {
	return &command{
		name:    "restore",
		args:    "PLAYLIST [--at V|TIME] [--as TITLE] [--server S] [--from-server S] [--dry-run] [--replace]",
		summary: "bring a playlist version back to Plex, verified (also onto a rebuilt server)",
		help: `Creates a playlist on Plex from a saved version (the newest unless --at),
titled as that version was (or --as TITLE). An existing playlist is never
touched unless --replace: then the target's playlist of that title (or the
playlist itself, when it still exists) is deleted, but only after the new one
has been read back and verified.

Each saved item is resolved, through the database, to a current track of the
target server: the same rating key if it still carries the same guid, else the
same guid, else the same MusicBrainz id, else the same artist, album and title
with a duration within 2 s. Items are sent in order, in chunks of 200; then the
playlist is read back from the server and its count and order compared with
what was sent (an order the server scrambled is fixed with move requests and
checked again). Items not found, and items the server did not keep, are
listed by name and make the exit code 1: nothing is dropped silently. A smart
playlist is recreated as a smart playlist from its rules.

--server S restores onto another server, such as a rebuilt one whose tracks
have new rating keys (sync it first, so the database knows its tracks).
--from-server S says which server's playlist PLAYLIST means, when titles or
keys repeat across servers. --dry-run prints the match report and sends
nothing to Plex; its exit code is the one the restore would have (1 when an
item would not be found).

Examples:
  plexm8-sync restore "Road Trip" --dry-run
  plexm8-sync restore "Road Trip" --at 2026-05-01 --as "Road Trip (May)"
  plexm8-sync restore 12345 --server "New Server"
  plexm8-sync restore "Road Trip" --replace`,
		setup: func(fs *flag.FlagSet) runFunc {
			at := fs.String("at", "", "the version: `V|TIME` (default: the newest)")
			as := fs.String("as", "", "`title` of the new playlist (default: the version's title)")
			server := fs.String("server", "", "restore onto this server (`name` or machine identifier; default: the playlist's own)")
			from := fs.String("from-server", "", "the `server` whose playlist PLAYLIST names, when titles or keys repeat")
			dry := fs.Bool("dry-run", false, "print the match report; send nothing")
			replace := fs.Bool("replace", false, "delete the playlist being replaced once the new one is verified")
			return func(ctx context.Context, a *app, args []string) error {
				args, err := a.positionals(fs, args)
				if err != nil {
					return err
				}
				if len(args) != 1 {
					return usageErrorf("restore takes one PLAYLIST (a title or rating key)")
				}
				return a.restore(ctx, args[0], *at, *as, *server, *from, *dry, *replace)
			}
		},
	}
}

func (a *app) restore(ctx context.Context, ref, at, as, server, from string, dry, replace bool) error {
	d, err := a.openDB(ctx, true)
	if err != nil {
		return err
	}
	defer d.Close()
	p, err := findPlaylist(ctx, d, ref, from)
	if err != nil {
		return err
	}
	v, err := versionOf(ctx, d, p, at, "--at")
	if err != nil {
		return err
	}
	target := p.ServerID
	if server != "" {
		if target, err = d.FindServer(ctx, server); err != nil {
			if errors.Is(err, db.ErrNotFound) {
				return fmt.Errorf("%w: run 'plexm8-sync sync --server %q' first, so the database knows its tracks", err, server)
			}
			return err
		}
	}
	plan, err := restore.NewPlan(ctx, d, restore.Request{SourceServerID: p.ServerID, PlaylistKey: p.RatingKey,
		Version: v, TargetServerID: target, Title: as, Replace: replace})
	if err != nil {
		return err
	}
	printPlan(a.Stdout, p, plan)
	if dry {
		fmt.Fprintln(a.Stdout, "Dry run: nothing was sent to Plex.")
		return dryRunShortfall(plan)
	}
	cfg, err := a.Config()
	if err != nil {
		return err
	}
	srv, err := a.connectServer(ctx, target)
	if err != nil {
		return a.explain(err)
	}
	res, err := plan.Apply(ctx, srv, cfg.Plex.PageSize)
	if res != nil && res.RatingKey != "" {
		fmt.Fprintf(a.Stdout, "Created playlist %q (rating key %s) on %s.\n", res.Title, res.RatingKey, plan.TargetName)
		if res.Moves > 0 {
			fmt.Fprintf(a.Stdout, "The server kept the items in another order; fixed it with %d move requests.\n", res.Moves)
		}
		if !plan.Version.Smart {
			fmt.Fprintf(a.Stdout, "Read back: %d items (%d sent).\n", len(res.Got), len(plan.Keys()))
		}
		for _, m := range res.Missing {
			fmt.Fprintf(a.Stdout, "  not kept by the server: %5d  %s\n", m.Item.Position+1, history.OneLine(m.Item.Name()))
		}
		if res.OutOfOrder {
			fmt.Fprintln(a.Stdout, "  the server's order differs from the saved one")
		}
		if res.Replaced != "" {
			fmt.Fprintf(a.Stdout, "Deleted the playlist it replaces (rating key %s).\n", res.Replaced)
		}
	}
	if errors.Is(err, restore.ErrIncomplete) && res != nil && res.RatingKey != "" {
		return fmt.Errorf("%w\nthe new playlist %s was left in place for you to check; nothing was deleted", err, res.RatingKey)
	}
	if err != nil {
		return a.explain(err)
	}
	if plan.Version.Smart {
		fmt.Fprintf(a.Stdout, "Verified: the server holds it as a smart playlist with the saved rules; they select %d items now (%d when saved).\n",
			len(res.Got), plan.Version.ItemCount)
		return nil
	}
	fmt.Fprintln(a.Stdout, "Verified: count and order match the saved version.")
	return nil
}

// dryRunShortfall is what a dry run predicts the restore would fail with:
// the items Apply would report missing, as restore.ErrIncomplete. What only
// the server can show (items it does not keep) is not known before.
func dryRunShortfall(plan *restore.Plan) error {
	if plan.Version.Smart {
		return nil
	}
	un := len(plan.Unmatched())
	switch {
	case un == 0 && len(plan.Matches) > 0:
		return nil
	case un == len(plan.Matches):
		return fmt.Errorf("%w: none of the %d saved items was found on %s: nothing would be restored", restore.ErrIncomplete, un, plan.TargetName)
	}
	return fmt.Errorf("%w: %d of %d saved items would not be found on %s (listed above); the restore would create the playlist without them and exit with 1",
		restore.ErrIncomplete, un, len(plan.Matches), plan.TargetName)
}

func printPlan(w io.Writer, p history.Playlist, plan *restore.Plan) {
	kind := ""
	if plan.Version.Smart {
		kind = "smart "
	}
	fmt.Fprintf(w, "Restoring %splaylist %q version %d (%s, %d items) from %s onto %s as %q.\n", kind, p.Title, plan.Version.Number,
		format.Time(plan.Version.RecordedAt), plan.Version.ItemCount, p.ServerName, plan.TargetName, plan.Request.Title)
	if plan.Version.Smart {
		fmt.Fprintf(w, "Rules: %s\nApplied to music section %s of %s.\n", plan.Version.Content, plan.SectionKey, plan.TargetName)
	} else {
		counts := map[string]int{}
		for _, m := range plan.Matches {
			counts[m.By]++
		}
		fmt.Fprintf(w, "Matched %d of %d items: %d by %s, %d by %s, %d by %s, %d by %s.\n", len(plan.Keys()), len(plan.Matches),
			counts[history.ByKey], history.ByKey, counts[history.ByGUID], history.ByGUID,
			counts[history.ByMBID], history.ByMBID, counts[history.ByName], history.ByName)
		for _, it := range plan.Unmatched() {
			fmt.Fprintf(w, "  not found on %s: %5d  %s (%s)\n", plan.TargetName, it.Position+1, history.OneLine(it.Name()), history.OneLine(it.Album))
		}
	}
	if len(plan.SameTitle) > 0 && plan.ReplaceKey == "" {
		fmt.Fprintf(w, "Note: %s already has a playlist titled %q (rating key %s); the restored one will sit beside it (use --as TITLE or --replace).\n",
			plan.TargetName, plan.Request.Title, strings.Join(plan.SameTitle, ", "))
	}
	if plan.ReplaceKey != "" {
		fmt.Fprintf(w, "Will delete playlist %s once the new one is verified (--replace).\n", plan.ReplaceKey)
	} else if plan.Request.Replace {
		fmt.Fprintln(w, "--replace: no playlist of that title on the target; nothing to delete.")
	}
}

// connectServer finds one of the account's servers by machine identifier
// and returns a client for it, without touching the database.
func (a *app) connectServer(ctx context.Context, id string) (*plex.Server, error) {
	cfg, err := a.Config()
	if err != nil {
		return nil, err
	}
	tok, err := a.token(cfg)
	if err != nil {
		return nil, err
	}
	client, err := a.newPlexClient(cfg)
	if err != nil {
		return nil, err
	}
	rs, err := client.Resources(ctx, tok)
	if err != nil {
		return nil, err // "list servers: ..." from plex
	}
	for _, r := range rs {
		if r.ClientIdentifier == id {
			override := cfg.Plex.Connections[r.ClientIdentifier]
			if override == "" {
				override = cfg.Plex.Connections[r.Name]
			}
			return client.Server(r, override), nil
		}
	}
	return nil, fmt.Errorf("server %s is not among the account's servers any more", id)
}
