package main

import (
	"fmt"
	"strings"

	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
)

// findDemo picks the one item whose rating key is ref or whose title is ref
// (any case); several or none is an error listing candidates.
func findDemo[T any](kind, ref, server string, all []T, key, title, describe func(T) string) (T, error) {
	var zero T
	var exact, near []T
	for _, x := range all {
		switch {
		case key(x) == ref:
			return x, nil
		case strings.EqualFold(title(x), ref):
			exact = append(exact, x)
		case strings.Contains(strings.ToLower(title(x)), strings.ToLower(ref)):
			near = append(near, x)
		}
	}
	list := func(xs []T) string {
		var lines []string
		for _, x := range xs[:min(len(xs), 5)] {
			lines = append(lines, "  "+describe(x))
		}
		if len(xs) > 5 {
			lines = append(lines, fmt.Sprintf("  … and %d more", len(xs)-5))
		}
		return strings.Join(lines, "\n")
	}
	switch {
	case len(exact) == 1:
		return exact[0], nil
	case len(exact) > 1:
		return zero, fmt.Errorf("%d %ss on %s are titled %q; name one by rating key:\n%s", len(exact), kind, server, ref, list(exact))
	case len(near) > 0:
		return zero, fmt.Errorf("no %s on %s is titled %q; titles containing it:\n%s", kind, server, ref, list(near))
	}
	return zero, fmt.Errorf("no %s on %s is titled %q or has that rating key; 'plexm8-sync %ss' lists the mirrored ones", kind, server, ref, kind)
}

func findDemoTrack(s *plextest.Server, ref string) (plextest.Track, error) {
	return findDemo("track", ref, s.Name(), s.MusicTracks(),
		func(t plextest.Track) string { return t.RatingKey },
		func(t plextest.Track) string { return t.Title },
		func(t plextest.Track) string {
			return fmt.Sprintf("%s  %s – %s (%s)", t.RatingKey, t.ArtistTitle, t.Title, t.AlbumTitle)
		})
}

// findDemoAlbum resolves ref among the music albums; "" is the first album
// of the first music section.
func findDemoAlbum(s *plextest.Server, ref string) (plextest.Album, error) {
	var all []plextest.Album
	for _, sec := range s.Sections() {
		if sec.Type == "artist" {
			all = append(all, s.Albums(sec.Key)...)
		}
	}
	if ref == "" {
		if len(all) == 0 {
			return plextest.Album{}, fmt.Errorf("%s has no album to add a track to", s.Name())
		}
		return all[0], nil
	}
	return findDemo("album", ref, s.Name(), all,
		func(a plextest.Album) string { return a.RatingKey },
		func(a plextest.Album) string { return a.Title },
		func(a plextest.Album) string {
			return fmt.Sprintf("%s  %s – %s", a.RatingKey, a.ArtistTitle, a.Title)
		})
}

func findDemoPlaylist(s *plextest.Server, ref string) (plextest.Playlist, error) {
	var audio []plextest.Playlist
	for _, p := range s.Playlists() {
		if p.PlaylistType == "audio" {
			audio = append(audio, p)
		}
	}
	return findDemo("playlist", ref, s.Name(), audio,
		func(p plextest.Playlist) string { return p.RatingKey },
		func(p plextest.Playlist) string { return p.Title },
		func(p plextest.Playlist) string {
			return fmt.Sprintf("%s  %s (%d items)", p.RatingKey, p.Title, p.LeafCount)
		})
}
