package history

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// A small validator for the subset of XML Schema that the XSPF schema in
// testdata uses: global element, complex types with a sequence of element
// declarations (minOccurs/maxOccurs), xsd:any, attributes with use=required,
// simpleContent extensions, and the simple types string, anyURI,
// nonNegativeInteger, dateTime and string enumerations. It reads the XSD
// itself, so the rules checked are the schema file's, not this code's.

type xsdElem struct {
	Name      string `xml:"name,attr"`
	Type      string `xml:"type,attr"`
	MinOccurs string `xml:"minOccurs,attr"`
	MaxOccurs string `xml:"maxOccurs,attr"`
}

type xsdAttr struct {
	Name string `xml:"name,attr"`
	Type string `xml:"type,attr"`
	Use  string `xml:"use,attr"`
}

type xsdComplex struct {
	Name     string `xml:"name,attr"`
	Sequence struct {
		Elems []xsdElem `xml:"element"`
		Any   []xsdElem `xml:"any"`
	} `xml:"sequence"`
	Attrs         []xsdAttr `xml:"attribute"`
	SimpleContent *struct {
		Extension struct {
			Base  string    `xml:"base,attr"`
			Attrs []xsdAttr `xml:"attribute"`
		} `xml:"extension"`
	} `xml:"simpleContent"`
}

type xsdSimple struct {
	Name        string `xml:"name,attr"`
	Restriction struct {
		Base  string `xml:"base,attr"`
		Enums []struct {
			Value string `xml:"value,attr"`
		} `xml:"enumeration"`
	} `xml:"restriction"`
}

type xsdSchema struct {
	Target  string       `xml:"targetNamespace,attr"`
	Root    []xsdElem    `xml:"element"`
	Complex []xsdComplex `xml:"complexType"`
	Simple  []xsdSimple  `xml:"simpleType"`
}

func loadXSD(path string) (*xsdSchema, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var s xsdSchema
	if err := xml.Unmarshal(b, &s); err != nil {
		return nil, err
	}
	if len(s.Root) != 1 {
		return nil, fmt.Errorf("schema has %d global elements, the checker handles one", len(s.Root))
	}
	return &s, nil
}

// node is a parsed XML element.
type node struct {
	name     xml.Name
	attrs    []xml.Attr
	children []*node
	text     string
}

func parseXML(b []byte) (*node, error) {
	d := xml.NewDecoder(bytes.NewReader(b))
	var stack []*node
	var root *node
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &node{name: t.Name, attrs: t.Attr}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			} else if root != nil {
				return nil, fmt.Errorf("more than one root element")
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(t)
			}
		}
	}
	if root == nil {
		return nil, fmt.Errorf("no root element")
	}
	return root, nil
}

var nonNegInt = regexp.MustCompile(`^\+?[0-9]+$`)

func (s *xsdSchema) checkSimple(typ, v, where string) error {
	switch typ {
	case "xsd:string":
		return nil
	case "xsd:anyURI":
		v = strings.TrimSpace(v)
		if strings.ContainsAny(v, " \t\n\r<>\"{}|\\^`") {
			return fmt.Errorf("%s: %q is not a URI (unescaped characters)", where, v)
		}
		if _, err := url.Parse(v); err != nil {
			return fmt.Errorf("%s: %q is not a URI: %v", where, v, err)
		}
		return nil
	case "xsd:nonNegativeInteger":
		if !nonNegInt.MatchString(strings.TrimSpace(v)) {
			return fmt.Errorf("%s: %q is not a non-negative integer", where, v)
		}
		return nil
	case "xsd:dateTime":
		if _, err := time.Parse(time.RFC3339, strings.TrimSpace(v)); err != nil {
			return fmt.Errorf("%s: %q is not a dateTime", where, v)
		}
		return nil
	}
	for _, st := range s.Simple {
		if st.Name == typ {
			if err := s.checkSimple(st.Restriction.Base, v, where); err != nil {
				return err
			}
			if len(st.Restriction.Enums) > 0 && !slices.ContainsFunc(st.Restriction.Enums, func(e struct {
				Value string `xml:"value,attr"`
			}) bool {
				return e.Value == v
			}) {
				return fmt.Errorf("%s: %q is not one of the values of %s", where, v, typ)
			}
			return nil
		}
	}
	return fmt.Errorf("%s: the checker does not know type %s", where, typ)
}

func (s *xsdSchema) complex(name string) *xsdComplex {
	for i := range s.Complex {
		if s.Complex[i].Name == name {
			return &s.Complex[i]
		}
	}
	return nil
}

func (s *xsdSchema) checkAttrs(n *node, decls []xsdAttr, where string) error {
	for _, a := range n.attrs {
		if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
			continue
		}
		i := slices.IndexFunc(decls, func(d xsdAttr) bool { return d.Name == a.Name.Local && a.Name.Space == "" })
		if i < 0 {
			return fmt.Errorf("%s: attribute %q is not allowed", where, a.Name.Local)
		}
		if err := s.checkSimple(decls[i].Type, a.Value, where+"@"+a.Name.Local); err != nil {
			return err
		}
	}
	for _, d := range decls {
		if d.Use == "required" && !slices.ContainsFunc(n.attrs, func(a xml.Attr) bool { return a.Name.Local == d.Name }) {
			return fmt.Errorf("%s: required attribute %q missing", where, d.Name)
		}
	}
	return nil
}

func occurs(v string, def int) int {
	switch v {
	case "":
		return def
	case "unbounded":
		return 1 << 30
	}
	n, _ := strconv.Atoi(v)
	return n
}

func (s *xsdSchema) checkNode(n *node, typ, where string) error {
	if n.name.Space != s.Target {
		return fmt.Errorf("%s: element in namespace %q, want %q", where, n.name.Space, s.Target)
	}
	if s.complex(typ) == nil {
		if len(n.children) > 0 {
			return fmt.Errorf("%s: simple element has child elements", where)
		}
		if err := s.checkAttrs(n, nil, where); err != nil {
			return err
		}
		return s.checkSimple(typ, n.text, where)
	}
	ct := s.complex(typ)
	if ct.SimpleContent != nil {
		if len(n.children) > 0 {
			return fmt.Errorf("%s: simple content has child elements", where)
		}
		if err := s.checkAttrs(n, ct.SimpleContent.Extension.Attrs, where); err != nil {
			return err
		}
		return s.checkSimple(ct.SimpleContent.Extension.Base, n.text, where)
	}
	if err := s.checkAttrs(n, ct.Attrs, where); err != nil {
		return err
	}
	if len(ct.Sequence.Any) > 0 {
		return nil // lax wildcard content
	}
	if strings.TrimSpace(n.text) != "" {
		return fmt.Errorf("%s: text %q where only elements are allowed", where, strings.TrimSpace(n.text))
	}
	i := 0
	for _, d := range ct.Sequence.Elems {
		lo, hi := occurs(d.MinOccurs, 1), occurs(d.MaxOccurs, 1)
		c := 0
		for i < len(n.children) && n.children[i].name.Local == d.Name && c < hi {
			if err := s.checkNode(n.children[i], d.Type, fmt.Sprintf("%s/%s[%d]", where, d.Name, c+1)); err != nil {
				return err
			}
			i++
			c++
		}
		if c < lo {
			return fmt.Errorf("%s: needs at least %d <%s>, has %d (or they are out of order)", where, lo, d.Name, c)
		}
	}
	if i < len(n.children) {
		return fmt.Errorf("%s: element <%s> not allowed here (unknown, repeated or out of order)", where, n.children[i].name.Local)
	}
	return nil
}

// validate checks an XML document against the schema.
func (s *xsdSchema) validate(doc []byte) error {
	root, err := parseXML(doc)
	if err != nil {
		return fmt.Errorf("not well-formed: %w", err)
	}
	g := s.Root[0]
	if root.name.Local != g.Name {
		return fmt.Errorf("root element <%s>, want <%s>", root.name.Local, g.Name)
	}
	return s.checkNode(root, g.Type, "/"+g.Name)
}
