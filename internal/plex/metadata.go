package plex

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// metadataChunk is how many rating keys go into one /library/metadata URL.
const metadataChunk = 100

// Metadata fetches items by rating key, in chunks of at most 100 keys per
// request. Keys the server does not know are simply absent from the result.
func (s *Server) Metadata(ctx context.Context, ratingKeys []string) ([]Metadata, error) {
	var out []Metadata
	for chunk := range chunks(ratingKeys, metadataChunk) {
		mc, err := s.get(ctx, "/library/metadata/"+joinKeys(chunk))
		if errors.Is(err, ErrNotFound) {
			continue // none of this chunk exists (any more)
		}
		if err != nil {
			return nil, fmt.Errorf("fetch %d items: %w", len(chunk), err)
		}
		out = append(out, mc.Metadata...)
	}
	return out, nil
}

// joinKeys escapes each key for a path and joins them with literal commas,
// which PMS splits on.
func joinKeys(keys []string) string {
	esc := make([]string, len(keys))
	for i, k := range keys {
		esc[i] = url.PathEscape(k)
	}
	return strings.Join(esc, ",")
}

func chunks(keys []string, n int) func(func([]string) bool) {
	return func(yield func([]string) bool) {
		for len(keys) > 0 {
			k := min(n, len(keys))
			if !yield(keys[:k]) {
				return
			}
			keys = keys[k:]
		}
	}
}
