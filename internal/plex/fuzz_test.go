package plex

import (
	"encoding/json"
	"net/http"
	"testing"
	"unicode/utf8"
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

// FuzzDecodeTV feeds arbitrary bytes to the plex.tv decoders (resources,
// PIN, user) as the client runs them: never a panic; what comes out is
// what callers rely on (a resource is a server with an identifier, a PIN
// has an id and a code) and every string is valid UTF-8, whatever the
// bytes were.
func FuzzDecodeTV(f *testing.F) {
	for _, name := range []string{"resources.json", "pin.json", "user.json"} {
		f.Add(readTestdata(f, name))
	}
	f.Add([]byte(`[{"provides":"client, server ,player","clientIdentifier":"\u0000\ud800x","connections":[{"port":"99999999999999999999"},{"port":1e400}]}]`))
	f.Add([]byte(`{"id":"7","code":"\xff\xfe","expiresIn":"-5","expiresAt":"not a time","authToken":"t\u2028"}`))
	f.Add([]byte(`[{"provides":"server","clientIdentifier":"a","owned":"yes","presence":"1","httpsRequired":2.5}]`))
	c, _ := testClient(f, nil)
	f.Fuzz(func(t *testing.T, body []byte) {
		var ws []wireResource
		if json.Unmarshal(body, &ws) == nil {
			for _, r := range resourcesFrom(ws) {
				if r.ClientIdentifier == "" {
					t.Fatalf("resource without an identifier: %+v", r)
				}
				for _, s := range []string{r.Name, r.ClientIdentifier, r.Product, r.ProductVersion, r.Platform, r.SourceTitle} {
					if !utf8.ValidString(s) {
						t.Fatalf("invalid UTF-8 %q in %+v", s, r)
					}
				}
				for _, cn := range r.Connections {
					if !utf8.ValidString(cn.URI) || !utf8.ValidString(cn.Address) {
						t.Fatalf("invalid UTF-8 in connection %+v", cn)
					}
				}
			}
		}
		var w wirePIN
		if json.Unmarshal(body, &w) == nil {
			p, err := c.pinFrom(w, &response{url: "https://plex.tv/api/v2/pins"})
			if err == nil && (p.ID != w.ID.V || p.Code == "" || !utf8.ValidString(p.Code) || p.ExpiresIn < 0) {
				t.Fatalf("PIN %+v from %s", p, body)
			}
		}
	})
}
