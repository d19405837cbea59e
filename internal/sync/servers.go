package sync

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/plexm8/plexm8-sync/internal/plex"
	"github.com/plexm8/plexm8-sync/internal/secret"
)

// Servers asks plex.tv for the account's servers, records them, and returns
// a client for each one that want selects (names or machine identifiers,
// case-insensitive; empty selects all). overrides maps a name or machine
// identifier to a manual base URL. A PMS 401 re-fetches the resources once,
// since server tokens rotate.
func (s *Syncer) Servers(ctx context.Context, tok secret.Value, want []string, overrides map[string]string) ([]*plex.Server, error) {
	resources, err := s.client.Resources(ctx, tok)
	if err != nil {
		return nil, err // "list servers: ..." from plex
	}
	now := s.o.Now().Unix()
	var out []*plex.Server
	ids := make([]string, 0, len(resources))
	for _, r := range resources {
		ids = append(ids, r.ClientIdentifier)
		if err := s.db.UpsertServer(ctx, serverRow(r, now)); err != nil {
			return nil, err
		}
		if !selected(r, want) {
			continue
		}
		override := overrides[r.ClientIdentifier]
		if override == "" {
			override = overrides[r.Name]
		}
		srv := s.client.Server(r, override)
		id := r.ClientIdentifier
		srv.SetTokenSource(func(ctx context.Context) (secret.Value, error) {
			fresh, err := s.client.Resources(ctx, tok)
			if err != nil {
				return secret.Value{}, err
			}
			for _, f := range fresh {
				if f.ClientIdentifier == id {
					return f.AccessToken, nil
				}
			}
			return secret.Value{}, fmt.Errorf("server %s is no longer shared with this account", id)
		})
		out = append(out, srv)
	}
	if err := s.db.KeepServers(ctx, ids, now); err != nil {
		return nil, err
	}
	if len(out) == 0 && len(want) > 0 {
		names := make([]string, 0, len(resources))
		for _, r := range resources {
			names = append(names, fmt.Sprintf("%q (%s)", r.Name, r.ClientIdentifier))
		}
		return nil, fmt.Errorf("no server matches %s; the account has: %s", strings.Join(want, ", "), strings.Join(names, ", "))
	}
	return out, nil
}

func selected(r plex.Resource, want []string) bool {
	if len(want) == 0 {
		return true
	}
	return slices.ContainsFunc(want, func(w string) bool {
		return strings.EqualFold(w, r.Name) || strings.EqualFold(w, r.ClientIdentifier)
	})
}
