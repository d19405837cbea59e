package plextest

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// orderKey names one cached ordering of a section's items of one type.
type orderKey struct {
	typ  int
	sort string
}

// orderCache holds indices into the section's record slice of the type, in
// listing order, valid for one library generation.
type orderCache struct {
	gen uint64
	idx []int32
}

// sortSpec is a parsed sort= parameter. The supported fields are the ones a
// mirror needs; anything else falls back to the default order (titleSort),
// as PMS ignores what it does not know.
type sortSpec struct {
	field string // "titleSort", "addedAt", "updatedAt", "ratingKey"
	desc  bool
}

func parseSort(v string) sortSpec {
	first, _, _ := strings.Cut(v, ",")
	field, mods, _ := strings.Cut(first, ":")
	spec := sortSpec{field: "titleSort", desc: strings.Contains(mods, "desc")}
	switch field {
	case "addedAt", "updatedAt", "ratingKey":
		spec.field = field
	case "id":
		spec.field = "ratingKey"
	case "title", "titleSort", "":
	default:
		spec.desc = false
	}
	return spec
}

func (sec *section) count(typ int) int {
	switch typ {
	case typeArtist:
		return len(sec.artists)
	case typeAlbum:
		return len(sec.albums)
	case typeTrack:
		return len(sec.tracks)
	case typeMovie:
		return len(sec.movies)
	}
	return 0
}

// fields returns accessors for the records of typ, by record index.
func (sec *section) fields(typ int) (titleSort func(int32) string, added, updated func(int32) int64) {
	switch typ {
	case typeArtist:
		return func(i int32) string { return sec.artists[i].titleSort },
			func(i int32) int64 { return sec.artists[i].addedAt },
			func(i int32) int64 { return sec.artists[i].updatedAt }
	case typeAlbum:
		return func(i int32) string { return sec.albums[i].titleSort },
			func(i int32) int64 { return sec.albums[i].addedAt },
			func(i int32) int64 { return sec.albums[i].updatedAt }
	case typeTrack:
		return func(i int32) string { return sec.tracks[i].titleSort(sec) },
			func(i int32) int64 { return sec.tracks[i].addedAt },
			func(i int32) int64 { return sec.tracks[i].updatedAt }
	default:
		return func(i int32) string { return sortTitle(sec.movies[i].title) },
			func(i int32) int64 { return sec.movies[i].addedAt },
			func(i int32) int64 { return sec.movies[i].updatedAt }
	}
}

// ordered returns the listing order of the section's items of typ. Callers
// hold f.mu for reading; the result must not be modified. Orders are cached
// per library generation, since sorting a million tracks per page request
// would make paging quadratic.
func (sec *section) ordered(typ int, spec sortSpec) []int32 {
	key := orderKey{typ: typ, sort: spec.field}
	if spec.desc {
		key.sort += ":desc"
	}
	sec.cacheMu.Lock()
	defer sec.cacheMu.Unlock()
	gen := sec.srv.gen
	if c := sec.cache[key]; c != nil && c.gen == gen {
		return c.idx
	}
	n := sec.count(typ)
	idx := make([]int32, n)
	for i := range idx {
		idx[i] = int32(i)
	}
	// Record slices are sorted by rating key, so the index itself is the
	// rating-key tie-breaker.
	titleSort, added, updated := sec.fields(typ)
	sign := 1
	if spec.desc {
		sign = -1
	}
	switch spec.field {
	case "ratingKey":
		if spec.desc {
			slices.Reverse(idx)
		}
	case "addedAt", "updatedAt":
		val := added
		if spec.field == "updatedAt" {
			val = updated
		}
		slices.SortFunc(idx, func(a, b int32) int {
			if c := cmp.Compare(val(a), val(b)); c != 0 {
				return sign * c
			}
			return cmp.Compare(a, b)
		})
	default:
		sortByTitle(idx, titleSort, spec.desc)
	}
	if sec.cache == nil {
		sec.cache = make(map[orderKey]*orderCache)
	}
	sec.cache[key] = &orderCache{gen: gen, idx: idx}
	return idx
}

// sortByTitle sorts idx by folded title, ties by index. Comparing a
// precomputed 8-byte folded prefix first keeps a million-title sort around a
// second's fraction instead of seconds.
func sortByTitle(idx []int32, title func(int32) string, desc bool) {
	type key struct {
		prefix uint64
		i      int32
	}
	keys := make([]key, len(idx))
	for n, i := range idx {
		t := title(i)
		var p uint64
		for j := range 8 {
			p <<= 8
			if j < len(t) {
				p |= uint64(lowerASCII(t[j]))
			}
		}
		keys[n] = key{p, i}
	}
	sign := 1
	if desc {
		sign = -1
	}
	slices.SortFunc(keys, func(a, b key) int {
		if a.prefix != b.prefix {
			return sign * cmp.Compare(a.prefix, b.prefix)
		}
		if c := compareFold(title(a.i), title(b.i)); c != 0 {
			return sign * c
		}
		return cmp.Compare(a.i, b.i)
	})
	for n := range keys {
		idx[n] = keys[n].i
	}
}

// compareFold compares ASCII case-insensitively, bytewise otherwise.
func compareFold(a, b string) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		ca, cb := lowerASCII(a[i]), lowerASCII(b[i])
		if ca != cb {
			return cmp.Compare(ca, cb)
		}
	}
	return cmp.Compare(len(a), len(b))
}

// filter is one media-query filter of a listing (docs/plex-api.md, "Media queries"). A field
// and an operator form the name left of '=': "title!=x" arrives as the key
// "title!" (url.Values splits at the first '='), "title%3D=x" as "title=".
// Modelled: the string fields title (the listed type's own; track.title on
// a track listing) and, on track listings, artist.title and album.title
// (the album artist and album), with = (contains), != (does not contain),
// == (equals), !== (not equal), <= (begins with) and >= (ends with), all
// case-insensitive; and the documented date fields addedAt and lastViewedAt
// with = != >>= (after) <<= (before). updatedAt is not a documented filter
// field and is ignored, like every unknown parameter.
type filter struct {
	field string // "title", "artist.title", "album.title", "addedAt", "lastViewedAt"
	op    string // "=", "!=", "==", "!==", "<=", ">=", ">>=", "<<="
	text  string
	num   int64
}

var ignoredParams = map[string]bool{
	"type": true, "sort": true, "includeGuids": true, "limit": true, "includeCollections": true,
	"includeMeta": true, "includeExternalMedia": true, "excludeElements": true, "excludeFields": true,
	"includeFields": true, "checkFiles": true, "includeAdvanced": true, "includeDetails": true,
}

// splitOp splits a filter key into its field and operator.
func splitOp(key string) (field, op string) {
	field = strings.TrimRight(key, "!<>=")
	return field, key[len(field):] + "="
}

var (
	stringOps = map[string]bool{"=": true, "!=": true, "==": true, "!==": true, "<=": true, ">=": true}
	dateOps   = map[string]bool{"=": true, "!=": true, ">>=": true, "<<=": true}
)

// stringField reports whether field is a string field filterable on
// listings of typ.
func stringField(typ int, field string) bool {
	switch field {
	case "title":
		return true
	case "artist.title", "album.title":
		return typ == typeTrack
	}
	return false
}

// parseFilter reads one key and value as a filter on listings of typ; ok
// is false for a key it does not model.
func parseFilter(typ int, rawKey, v string, now time.Time) (f filter, ok bool, err error) {
	field, op := splitOp(strings.TrimPrefix(rawKey, typeName(typ)+"."))
	f = filter{field: field, op: op}
	switch {
	case stringField(typ, field) && stringOps[op]:
		f.text = v
	case (field == "addedAt" || field == "lastViewedAt") && dateOps[op]:
		n, err := parseDateValue(v, now)
		if err != nil {
			return filter{}, false, err
		}
		f.num = n
	default:
		return filter{}, false, nil
	}
	return f, true, nil
}

func parseFilters(q url.Values, typ int, now time.Time) ([]filter, error) {
	var out []filter
	for rawKey, vals := range q {
		if ignoredParams[rawKey] || strings.HasPrefix(rawKey, "X-Plex-") {
			continue
		}
		for _, v := range vals {
			f, ok, err := parseFilter(typ, rawKey, v, now)
			if err != nil {
				return nil, err
			}
			if ok {
				out = append(out, f)
			}
		}
	}
	return out, nil
}

// matchString applies a string operator, ignoring case.
func matchString(s, op, v string) bool {
	switch op {
	case "=":
		return containsFold(s, v)
	case "!=":
		return !containsFold(s, v)
	case "==":
		return strings.EqualFold(s, v)
	case "!==":
		return !strings.EqualFold(s, v)
	case "<=":
		return strings.HasPrefix(strings.ToLower(s), strings.ToLower(v))
	case ">=":
		return strings.HasSuffix(strings.ToLower(s), strings.ToLower(v))
	}
	return false
}

// parseDateValue reads epoch seconds or a relative value such as -30d.
func parseDateValue(v string, now time.Time) (int64, error) {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return n, nil
	}
	units := map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour,
		"w": 7 * 24 * time.Hour, "mon": 30 * 24 * time.Hour, "y": 365 * 24 * time.Hour}
	for _, u := range []string{"mon", "s", "m", "h", "d", "w", "y"} {
		if num, ok := strings.CutSuffix(v, u); ok {
			n, err := strconv.ParseInt(num, 10, 64)
			if err == nil {
				return now.Add(time.Duration(n) * units[u]).Unix(), nil
			}
		}
	}
	return 0, &badRequest{msg: "Invalid date value " + strconv.Quote(v) + "."}
}

// matches reports whether the record at i passes every filter.
func (sec *section) matches(typ int, i int32, filters []filter) bool {
	for _, f := range filters {
		switch f.field {
		case "title":
			var title string
			switch typ {
			case typeArtist:
				title = sec.artists[i].title
			case typeAlbum:
				title = sec.albums[i].title
			case typeTrack:
				title = sec.tracks[i].title(sec)
			case typeMovie:
				title = sec.movies[i].title
			}
			if !matchString(title, f.op, f.text) {
				return false
			}
		case "artist.title", "album.title":
			// A track's album and album artist, as parentTitle and
			// grandparentTitle render them.
			var title string
			if al, ar := sec.parents(&sec.tracks[i]); f.field == "album.title" && al != nil {
				title = al.title
			} else if f.field == "artist.title" && ar != nil {
				title = ar.title
			}
			if !matchString(title, f.op, f.text) {
				return false
			}
		case "addedAt", "lastViewedAt":
			var v int64
			var present bool
			_, added, _ := sec.fields(typ)
			if f.field == "addedAt" {
				v, present = added(i), true
			} else if typ == typeTrack {
				t := &sec.tracks[i]
				if t.flags&flagExt != 0 {
					if lv := sec.ext[t.rk].LastViewedAt; lv != nil {
						v, present = *lv, true
					}
				} else {
					v, present = t.lastViewedAt, t.flags&flagLastViewed != 0
				}
			}
			if !present {
				return false
			}
			var ok bool
			switch f.op {
			case ">>=":
				ok = v > f.num
			case "<<=":
				ok = v < f.num
			case "!=":
				ok = v != f.num
			default:
				ok = v == f.num
			}
			if !ok {
				return false
			}
		}
	}
	return true
}

// page is the requested window of a listing.
type page struct {
	start     int
	size      int
	sizeGiven bool
}

// badRequest is answered as PMS answers bad parameters: 400, text/html.
type badRequest struct{ msg string }

func (e *badRequest) Error() string { return e.msg }

// pagingParam reads an X-Plex-* paging value from the query (which real
// Plex accepts for every X-Plex- header) or else from the header.
func pagingParam(r *http.Request, name string) (string, bool) {
	if v, ok := r.URL.Query()[name]; ok && len(v) > 0 {
		return v[0], true
	}
	if v := r.Header.Get(name); v != "" {
		return v, true
	}
	return "", false
}

func parsePage(r *http.Request, maxSize int) (page, error) {
	var p page
	if v, ok := pagingParam(r, "X-Plex-Container-Start"); ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 0 {
			return p, &badRequest{msg: "Invalid X-Plex-Container-Start " + strconv.Quote(v) + "."}
		}
		p.start = n
	}
	if v, ok := pagingParam(r, "X-Plex-Container-Size"); ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 0 {
			return p, &badRequest{msg: "Invalid X-Plex-Container-Size " + strconv.Quote(v) + "."}
		}
		p.size, p.sizeGiven = min(n, maxSize), true
	}
	return p, nil
}

// window returns the [from, to) bounds of page p over total items; an
// unsized request gets everything from start.
func (p page) window(total int) (int, int) {
	from := min(p.start, total)
	to := total
	if p.sizeGiven {
		to = min(from+p.size, total)
	}
	return from, to
}
