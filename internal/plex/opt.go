package plex

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"unicode/utf8"
)

// Optional values distinguish "absent or null" (Valid false) from a zero
// value: the mirror stores NULL for absent. Their decoders are lenient,
// because PMS JSON is loosely typed (numbers as strings, 0/1 booleans), and
// never fail a whole page over one odd value: a value of the wrong kind
// (an object where a number belongs) decodes as absent.

// OptString is a string that may be absent. It accepts a JSON string, or a
// number or boolean kept as its text (rating keys may arrive as numbers).
type OptString struct {
	V     string
	Valid bool
}

// OptInt is an integer that may be absent. It accepts 12, 12.0 (fractions
// are truncated), "12" and "" (absent).
type OptInt struct {
	V     int64
	Valid bool
}

// OptFloat is a number that may be absent. It accepts numbers and numeric
// strings.
type OptFloat struct {
	V     float64
	Valid bool
}

// OptBool is a boolean that may be absent. It accepts true/false, 0/1 and
// the strings "0"/"1"/"true"/"false".
type OptBool struct {
	V     bool
	Valid bool
}

// Ptr returns nil when absent, else a pointer to a copy of the value (handy
// for SQL parameters, where nil is NULL).
func (o OptString) Ptr() *string {
	if !o.Valid {
		return nil
	}
	return &o.V
}

// Ptr returns nil when absent, else a pointer to a copy of the value.
func (o OptInt) Ptr() *int64 {
	if !o.Valid {
		return nil
	}
	return &o.V
}

// Ptr returns nil when absent, else a pointer to a copy of the value.
func (o OptFloat) Ptr() *float64 {
	if !o.Valid {
		return nil
	}
	return &o.V
}

// Ptr returns nil when absent, else a pointer to a copy of the value.
func (o OptBool) Ptr() *bool {
	if !o.Valid {
		return nil
	}
	return &o.V
}

// UnmarshalJSON implements json.Unmarshaler.
func (o *OptString) UnmarshalJSON(b []byte) error {
	*o = OptString{}
	if len(b) == 0 {
		return nil
	}
	switch b[0] {
	case '"':
		s, ok := jsonString(b)
		if ok {
			*o = OptString{V: s, Valid: true}
		}
	case 't', 'f':
		*o = OptString{V: string(b), Valid: true}
	case 'n', '{', '[':
	default:
		*o = OptString{V: string(b), Valid: true}
	}
	return nil
}

// UnmarshalJSON implements json.Unmarshaler.
func (o *OptInt) UnmarshalJSON(b []byte) error {
	v, ok := decodeNumber(b, parseInt)
	*o = OptInt{V: v, Valid: ok}
	return nil
}

// UnmarshalJSON implements json.Unmarshaler.
func (o *OptFloat) UnmarshalJSON(b []byte) error {
	v, ok := decodeNumber(b, parseFloat)
	*o = OptFloat{V: v, Valid: ok}
	return nil
}

// decodeNumber reads a number sent as a number, a numeric string, or a
// boolean (true is 1); anything else (null, objects, garbage) is absent.
func decodeNumber[T int64 | float64](b []byte, parse func([]byte) (T, bool)) (T, bool) {
	if len(b) == 0 {
		return 0, false
	}
	switch b[0] {
	case '"':
		s, ok := jsonStringBytes(b)
		if !ok {
			return 0, false
		}
		return parse(bytes.TrimSpace(s))
	case 't':
		return 1, true
	case 'f':
		return 0, true
	case 'n', '{', '[':
		return 0, false
	}
	return parse(b)
}

// UnmarshalJSON implements json.Unmarshaler.
func (o *OptBool) UnmarshalJSON(b []byte) error {
	*o = OptBool{}
	if len(b) == 0 {
		return nil
	}
	switch b[0] {
	case 't':
		*o = OptBool{V: true, Valid: true}
	case 'f':
		*o = OptBool{V: false, Valid: true}
	case '"':
		s, ok := jsonStringBytes(b)
		if !ok {
			return nil
		}
		switch string(bytes.ToLower(bytes.TrimSpace(s))) {
		case "1", "true":
			*o = OptBool{V: true, Valid: true}
		case "0", "false":
			*o = OptBool{V: false, Valid: true}
		default:
			if v, ok := parseFloat(bytes.TrimSpace(s)); ok {
				*o = OptBool{V: v != 0, Valid: true}
			}
		}
	case 'n', '{', '[':
	default:
		if v, ok := parseFloat(b); ok {
			*o = OptBool{V: v != 0, Valid: true}
		}
	}
	return nil
}

// MarshalJSON writes the value, or null when absent.
func (o OptString) MarshalJSON() ([]byte, error) {
	if !o.Valid {
		return []byte("null"), nil
	}
	return json.Marshal(o.V)
}

// MarshalJSON writes the value, or null when absent.
func (o OptInt) MarshalJSON() ([]byte, error) {
	if !o.Valid {
		return []byte("null"), nil
	}
	return strconv.AppendInt(nil, o.V, 10), nil
}

// MarshalJSON writes the value, or null when absent.
func (o OptFloat) MarshalJSON() ([]byte, error) {
	if !o.Valid || math.IsNaN(o.V) || math.IsInf(o.V, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, o.V, 'g', -1, 64), nil
}

// MarshalJSON writes the value, or null when absent.
func (o OptBool) MarshalJSON() ([]byte, error) {
	if !o.Valid {
		return []byte("null"), nil
	}
	return strconv.AppendBool(nil, o.V), nil
}

// jsonString decodes a JSON string literal (quotes included in b). The
// common case (no escapes, valid UTF-8) is a plain copy; anything else goes
// through encoding/json for exact stock semantics.
func jsonString(b []byte) (string, bool) {
	if len(b) < 2 || b[len(b)-1] != '"' {
		return "", false
	}
	inner := b[1 : len(b)-1]
	if s, ok := common(inner); ok {
		return s, true
	}
	if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		return string(inner), true
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return "", false
	}
	return s, true
}

// jsonStringBytes is jsonString without the copy in the common case; the
// result may alias b and must not be kept.
func jsonStringBytes(b []byte) ([]byte, bool) {
	if len(b) < 2 || b[len(b)-1] != '"' {
		return nil, false
	}
	inner := b[1 : len(b)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return inner, true
	}
	s, ok := jsonString(b)
	return []byte(s), ok
}

// parseInt reads a JSON number (or the text of one) as an int64. Plain
// integers take a fast path; fractions and exponents go through ParseFloat
// and are truncated. Out of range or not a number: false.
func parseInt(b []byte) (int64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	i, neg := 0, false
	if b[0] == '-' {
		i, neg = 1, true
	}
	if n := len(b) - i; n > 0 && n <= 18 {
		var v int64
		j := i
		for ; j < len(b); j++ {
			d := b[j] - '0'
			if d > 9 {
				break
			}
			v = v*10 + int64(d)
		}
		if j == len(b) {
			if neg {
				v = -v
			}
			return v, true
		}
	}
	if v, err := strconv.ParseInt(string(b), 10, 64); err == nil {
		return v, true
	}
	f, ok := parseFloat(b)
	if !ok {
		return 0, false
	}
	f = math.Trunc(f)
	// float64(math.MaxInt64) rounds up to 2^63, which does not fit.
	if f >= math.MaxInt64 || f < math.MinInt64 {
		return 0, false
	}
	return int64(f), true
}

func parseFloat(b []byte) (float64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// common returns a shared copy of values that repeat on every item of a
// page (types, codecs, containers), saving an allocation each.
func common(b []byte) (string, bool) {
	if len(b) > 8 {
		return "", false
	}
	switch string(b) { // no allocation: the compiler compares in place
	case "track":
		return "track", true
	case "album":
		return "album", true
	case "artist":
		return "artist", true
	case "playlist":
		return "playlist", true
	case "audio":
		return "audio", true
	case "flac":
		return "flac", true
	case "mp3":
		return "mp3", true
	case "aac":
		return "aac", true
	case "alac":
		return "alac", true
	case "opus":
		return "opus", true
	case "ogg":
		return "ogg", true
	case "mp4":
		return "mp4", true
	case "":
		return "", true
	}
	return "", false
}
