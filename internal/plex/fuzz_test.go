package plex

import (
	"net/http"
	"testing"
)

func FuzzDecodePage(f *testing.F) {
	for _, name := range []string{"tracks.json", "loose.json", "playlists.json"} {
		f.Add(readTestdata(f, name), 0)
	}
	f.Add([]byte(`{"MediaContainer":{"size":0,"totalSize":10}}`), 0)
	f.Fuzz(func(t *testing.T, body []byte, start int) {
		p, err := decodePage(body, http.Header{}, start)
		if err != nil {
			return
		}
		if p.Offset < 0 || p.Size < 0 || p.TotalSize < 0 {
			t.Errorf("negative page fields: %d %d %d", p.Offset, p.Size, p.TotalSize)
		}
	})
}
