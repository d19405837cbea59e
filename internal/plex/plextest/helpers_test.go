package plextest

import (
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// manualClock is an injectable Options.Now that only moves when told to.
type manualClock struct {
	mu sync.Mutex
	t  time.Time
}

func newManualClock() *manualClock {
	return &manualClock{t: time.Date(2025, 7, 1, 10, 0, 0, 0, time.UTC)}
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *manualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// harness is a started fake plus a plain net/http client that trusts its
// TLS listener.
type harness struct {
	t  *testing.T
	f  *Fake
	hc *http.Client
}

func start(t *testing.T, o Options) *harness {
	t.Helper()
	f, err := Start(o)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(f.Close)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: f.RootCAs()}}
	t.Cleanup(tr.CloseIdleConnections)
	return &harness{t: t, f: f, hc: &http.Client{Transport: tr, Timeout: 10 * time.Second}}
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

// req describes one request; JSON and a client identifier by default.
type req struct {
	method   string
	url      string
	token    string
	xml      bool // no Accept: application/json
	clientID string
	noClient bool
	header   map[string]string
}

func (h *harness) do(r req) reply {
	h.t.Helper()
	rep, err := h.try(r)
	if err != nil {
		h.t.Fatalf("%s %s: %v", r.method, r.url, err)
	}
	return rep
}

func (h *harness) try(r req) (reply, error) {
	if r.method == "" {
		r.method = http.MethodGet
	}
	hr, err := http.NewRequest(r.method, r.url, nil)
	if err != nil {
		return reply{}, err
	}
	if !r.xml {
		hr.Header.Set("Accept", "application/json")
	}
	if r.token != "" {
		hr.Header.Set("X-Plex-Token", r.token)
	}
	if !r.noClient {
		id := r.clientID
		if id == "" {
			id = "test-client-id"
		}
		hr.Header.Set("X-Plex-Client-Identifier", id)
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	resp, err := h.hc.Do(hr)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return reply{status: resp.StatusCode, header: resp.Header}, err
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: body}, nil
}

// pms requests path on the owned server's local connection with its token.
func (h *harness) pms(path string) reply {
	h.t.Helper()
	s := h.f.Owned()
	return h.do(req{url: s.URL("local") + path, token: s.AccessToken()})
}

func (h *harness) pmsOK(s *Server, method, path string) container {
	h.t.Helper()
	rep := h.do(req{method: method, url: s.URL("local") + path, token: s.AccessToken()})
	if rep.status != http.StatusOK {
		h.t.Fatalf("%s %s: status %d, body %.300s", method, path, rep.status, rep.body)
	}
	return decodeContainer(h.t, rep.body)
}

// container is the part of a PMS MediaContainer the tests read.
type container struct {
	Size      int        `json:"size"`
	TotalSize *int       `json:"totalSize"`
	Offset    int        `json:"offset"`
	Metadata  []metadata `json:"Metadata"`
	Directory []struct {
		Key              string `json:"key"`
		Type             string `json:"type"`
		Title            string `json:"title"`
		UUID             string `json:"uuid"`
		Agent            string `json:"agent"`
		Scanner          string `json:"scanner"`
		Language         string `json:"language"`
		UpdatedAt        int64  `json:"updatedAt"`
		CreatedAt        int64  `json:"createdAt"`
		ScannedAt        int64  `json:"scannedAt"`
		ContentChangedAt int64  `json:"contentChangedAt"`
		Hidden           *int   `json:"hidden"`
		Refreshing       *bool  `json:"refreshing"`
		Location         []struct {
			ID   int    `json:"id"`
			Path string `json:"path"`
		} `json:"Location"`
	} `json:"Directory"`
	LeafCountAdded *int `json:"leafCountAdded"`
}

type metadata struct {
	RatingKey             string   `json:"ratingKey"`
	Key                   string   `json:"key"`
	Type                  string   `json:"type"`
	Title                 string   `json:"title"`
	TitleSort             string   `json:"titleSort"`
	GUID                  string   `json:"guid"`
	ParentRatingKey       string   `json:"parentRatingKey"`
	GrandparentRatingKey  string   `json:"grandparentRatingKey"`
	ParentTitle           string   `json:"parentTitle"`
	GrandparentTitle      string   `json:"grandparentTitle"`
	OriginalTitle         *string  `json:"originalTitle"`
	Index                 *int     `json:"index"`
	ParentIndex           *int     `json:"parentIndex"`
	ParentYear            *int     `json:"parentYear"`
	Year                  *int     `json:"year"`
	OriginallyAvailableAt *string  `json:"originallyAvailableAt"`
	Studio                *string  `json:"studio"`
	Summary               *string  `json:"summary"`
	LeafCount             *int     `json:"leafCount"`
	Duration              *int64   `json:"duration"`
	AddedAt               int64    `json:"addedAt"`
	UpdatedAt             int64    `json:"updatedAt"`
	ViewCount             *int     `json:"viewCount"`
	SkipCount             *int     `json:"skipCount"`
	UserRating            *float64 `json:"userRating"`
	LastViewedAt          *int64   `json:"lastViewedAt"`
	PlaylistItemID        *int64   `json:"playlistItemID"`
	LibrarySectionID      *int64   `json:"librarySectionID"`
	Smart                 *bool    `json:"smart"`
	PlaylistType          string   `json:"playlistType"`
	Content               *string  `json:"content"`
	Composite             string   `json:"composite"`
	Guid                  []struct {
		ID string `json:"id"`
	} `json:"Guid"`
	Media []struct {
		ID         int64  `json:"id"`
		Duration   int64  `json:"duration"`
		Bitrate    *int   `json:"bitrate"`
		AudioCodec string `json:"audioCodec"`
		Container  string `json:"container"`
		Part       []struct {
			ID        int64  `json:"id"`
			Key       string `json:"key"`
			File      string `json:"file"`
			Size      int64  `json:"size"`
			Duration  int64  `json:"duration"`
			Container string `json:"container"`
		} `json:"Part"`
	} `json:"Media"`
}

func decodeContainer(t *testing.T, body []byte) container {
	t.Helper()
	var env struct {
		MediaContainer *container `json:"MediaContainer"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatalf("decode MediaContainer: %v; body %.300s", err, body)
	}
	if env.MediaContainer == nil {
		t.Fatalf("no MediaContainer in %.300s", body)
	}
	return *env.MediaContainer
}

// rawItems decodes MediaContainer.Metadata as generic maps, to check which
// keys are present.
func rawItems(t *testing.T, body []byte) []map[string]any {
	t.Helper()
	var env struct {
		MediaContainer struct {
			Metadata []map[string]any `json:"Metadata"`
		} `json:"MediaContainer"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatalf("decode: %v", err)
	}
	return env.MediaContainer.Metadata
}

// listAll pages through a listing with the given page size and returns
// every item.
func (h *harness) listAll(s *Server, path string, size int) []metadata {
	h.t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	var all []metadata
	for start := 0; ; start += size {
		c := h.pmsOK(s, http.MethodGet, path+sep+"X-Plex-Container-Start="+strconv.Itoa(start)+"&X-Plex-Container-Size="+strconv.Itoa(size))
		all = append(all, c.Metadata...)
		if c.TotalSize == nil {
			h.t.Fatalf("%s: no totalSize", path)
		}
		if start+size >= *c.TotalSize || c.Size == 0 {
			return all
		}
	}
}

func keysOf(items []metadata) []string {
	out := make([]string, len(items))
	for i, m := range items {
		out[i] = m.RatingKey
	}
	return out
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
