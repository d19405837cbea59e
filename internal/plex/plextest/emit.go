package plextest

import (
	"math"
	"strconv"
	"unicode/utf8"
)

// emitter writes one PMS response as JSON ({"MediaContainer":{...}}) or as
// XML (<MediaContainer ...>) from the same sequence of calls, straight into
// a byte slice: a page of a thousand tracks is rendered on every request, so
// no intermediate maps or reflection. Scalars of an element must come before
// its children (XML attributes precede child elements); children with the
// same JSON key must be consecutive (they form one array).
type emitter struct {
	b     []byte
	xml   bool
	stack []frame
	// skip holds the attributes left off metadata items (excludeFields).
	skip map[string]bool
}

// skipped reports whether k is an excluded attribute of a metadata item
// (depth 2: MediaContainer, then the item), where excludeFields applies.
func (e *emitter) skipped(k string) bool {
	return e.skip != nil && len(e.stack) == 2 && e.skip[k]
}

type frame struct {
	tag    string // XML element name
	fields int    // JSON members written so far
	arr    string // JSON key of the array being filled; "" if none
	open   bool   // XML start tag not yet closed with '>'
}

func newEmitter(xml bool, sizeHint int) *emitter {
	e := &emitter{xml: xml, b: make([]byte, 0, sizeHint)}
	if xml {
		e.b = append(e.b, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"...)
		e.b = append(e.b, "<MediaContainer"...)
		e.stack = append(e.stack, frame{tag: "MediaContainer", open: true})
	} else {
		e.b = append(e.b, `{"MediaContainer":{`...)
		e.stack = append(e.stack, frame{})
	}
	return e
}

func (e *emitter) top() *frame { return &e.stack[len(e.stack)-1] }

// key starts a JSON member or an XML attribute.
func (e *emitter) key(k string) {
	if e.xml {
		e.b = append(e.b, ' ')
		e.b = append(e.b, k...)
		e.b = append(e.b, '=', '"')
		return
	}
	t := e.top()
	if t.arr != "" {
		e.b = append(e.b, ']')
		t.arr = ""
	}
	if t.fields > 0 {
		e.b = append(e.b, ',')
	}
	t.fields++
	e.b = append(e.b, '"')
	e.b = append(e.b, k...)
	e.b = append(e.b, '"', ':')
}

func (e *emitter) endAttr() {
	if e.xml {
		e.b = append(e.b, '"')
	}
}

func (e *emitter) Str(k, v string) {
	if e.skipped(k) {
		return
	}
	e.key(k)
	if e.xml {
		e.b = appendXMLAttr(e.b, v)
	} else {
		e.b = appendJSONString(e.b, v)
	}
	e.endAttr()
}

func (e *emitter) Int(k string, v int64) {
	if e.skipped(k) {
		return
	}
	e.key(k)
	e.b = strconv.AppendInt(e.b, v, 10)
	e.endAttr()
}

func (e *emitter) Bool(k string, v bool) {
	if e.skipped(k) {
		return
	}
	e.key(k)
	switch {
	case e.xml && v:
		e.b = append(e.b, '1')
	case e.xml:
		e.b = append(e.b, '0')
	default:
		e.b = strconv.AppendBool(e.b, v)
	}
	e.endAttr()
}

// Float writes v the way PMS does: always with a decimal point (8.0).
func (e *emitter) Float(k string, v float64) {
	if e.skipped(k) {
		return
	}
	e.key(k)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		v = 0
	}
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		e.b = strconv.AppendFloat(e.b, v, 'f', 1, 64)
	} else {
		e.b = strconv.AppendFloat(e.b, v, 'f', -1, 64)
	}
	e.endAttr()
}

// Begin opens a child element: in JSON an object in the array jsonKey, in
// XML the element xmlTag.
func (e *emitter) Begin(jsonKey, xmlTag string) {
	t := e.top()
	if e.xml {
		if t.open {
			e.b = append(e.b, '>')
			t.open = false
		}
		e.b = append(e.b, '<')
		e.b = append(e.b, xmlTag...)
		e.stack = append(e.stack, frame{tag: xmlTag, open: true})
		return
	}
	if t.arr == jsonKey {
		e.b = append(e.b, ',')
	} else {
		if t.arr != "" {
			e.b = append(e.b, ']')
		}
		if t.fields > 0 {
			e.b = append(e.b, ',')
		}
		t.fields++
		e.b = append(e.b, '"')
		e.b = append(e.b, jsonKey...)
		e.b = append(e.b, '"', ':', '[')
		t.arr = jsonKey
	}
	e.b = append(e.b, '{')
	e.stack = append(e.stack, frame{})
}

// End closes the element opened last.
func (e *emitter) End() {
	t := e.top()
	if e.xml {
		if t.open {
			e.b = append(e.b, '/', '>')
		} else {
			e.b = append(e.b, '<', '/')
			e.b = append(e.b, t.tag...)
			e.b = append(e.b, '>')
		}
	} else {
		if t.arr != "" {
			e.b = append(e.b, ']')
		}
		e.b = append(e.b, '}')
	}
	e.stack = e.stack[:len(e.stack)-1]
}

// Bytes closes every open element and returns the document.
func (e *emitter) Bytes() []byte {
	for len(e.stack) > 0 {
		e.End()
	}
	if !e.xml {
		e.b = append(e.b, '}')
	}
	e.b = append(e.b, '\n')
	return e.b
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as a JSON string. Invalid UTF-8 becomes U+FFFD,
// as in encoding/json; HTML characters are left alone, as PMS does.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendXMLAttr escapes s for a double-quoted XML attribute. Whitespace
// controls are written as character references so attribute normalisation
// keeps them; other controls are not allowed in XML 1.0 and become U+FFFD.
func appendXMLAttr(b []byte, s string) []byte {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '&':
			b = append(b, "&amp;"...)
		case r == '<':
			b = append(b, "&lt;"...)
		case r == '>':
			b = append(b, "&gt;"...)
		case r == '"':
			b = append(b, "&quot;"...)
		case r == '\'':
			b = append(b, "&apos;"...)
		case r == '\n':
			b = append(b, "&#10;"...)
		case r == '\r':
			b = append(b, "&#13;"...)
		case r == '\t':
			b = append(b, "&#9;"...)
		case r < 0x20 || r == utf8.RuneError && size == 1 || r == 0xFFFE || r == 0xFFFF:
			b = append(b, "\uFFFD"...)
		default:
			b = append(b, s[i-size:i]...)
		}
	}
	return b
}
