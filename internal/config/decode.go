package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// decode parses data over c. Rather than yaml's own strict decoding, which
// stops at the first problem, it walks the node tree against the struct so
// that every unknown key and wrongly typed value is reported with its line.
// A key with no value (null) keeps the default: a section whose keys are
// all commented out is such a key.
func decode(data []byte, c *Config, ps *problems) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if !errors.Is(err, io.EOF) { // io.EOF: empty or only comments
			syntaxProblem(err, ps)
		}
		return
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
	case err != nil:
		syntaxProblem(err, ps)
	default:
		ps.add(extra.Line, "", "a second YAML document starts here; a config file holds one document, remove the extra \"---\"")
	}

	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return
		}
		root = root.Content[0]
	}
	root = resolveAlias(root)
	if isNull(root) {
		return
	}
	if root.Kind != yaml.MappingNode {
		ps.add(root.Line, "", "the file must be a mapping of settings such as \"plex:\" and \"schedule:\", got %s", describe(root))
		return
	}
	walkStruct(root, reflect.ValueOf(c).Elem(), "", ps)
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func syntaxProblem(err error, ps *problems) {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		ps.add(line, "", "YAML syntax error: %s", m[2])
		return
	}
	ps.add(0, "", "YAML syntax error: %s", strings.TrimPrefix(msg, "yaml: "))
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describe names what a node is for "got ..." in messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if isNull(n) {
			return "no value"
		}
		return strconv.Quote(n.Value)
	}
	return "an unsupported YAML node"
}

func joinKey(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// yamlFields maps the yaml key of each settable field to its index.
func yamlFields(t reflect.Type) (index map[string]int, names []string) {
	index = map[string]int{}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		index[name] = i
		names = append(names, name)
	}
	return index, names
}

// mappingPairs yields the key/value pairs of a mapping node, reporting keys
// that are not plain scalars and keys given twice, which yaml would
// otherwise let silently override each other.
func mappingPairs(n *yaml.Node, path string, ps *problems, yield func(key string, k, v *yaml.Node)) {
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolveAlias(n.Content[i]), resolveAlias(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			ps.add(k.Line, path, "%s: keys must be plain names, got %s", orTop(path), describe(k))
			continue
		}
		if first, dup := seen[k.Value]; dup {
			ps.add(k.Line, childKey(path, k.Value), "%s: duplicate key, first set on line %d; keep one", childKey(path, k.Value), first)
			continue
		}
		seen[k.Value] = k.Line
		yield(k.Value, k, v)
	}
}

// childKey names an entry for messages; free-form names (connections) are
// quoted so that a dot in a server name stays unambiguous.
func childKey(path, key string) string {
	if path == "plex.connections" {
		return fmt.Sprintf("%s[%q]", path, key)
	}
	return joinKey(path, key)
}

func orTop(path string) string {
	if path == "" {
		return "top level"
	}
	return path
}

func walkStruct(n *yaml.Node, v reflect.Value, path string, ps *problems) {
	index, names := yamlFields(v.Type())
	mappingPairs(n, path, ps, func(key string, k, val *yaml.Node) {
		i, ok := index[key]
		if !ok {
			ps.add(k.Line, joinKey(path, key), "%s%s", unknownKey(key, path), unknownHint(key, names))
			return
		}
		full := joinKey(path, key)
		ps.lines[full] = k.Line
		walkValue(val, v.Field(i), full, k.Line, ps)
	})
}

func unknownKey(key, path string) string {
	if path == "" {
		return fmt.Sprintf("unknown key %q at top level", key)
	}
	return fmt.Sprintf("unknown key %q in %s", key, path)
}

// unknownHint tells the user what to write instead.
func unknownHint(key string, names []string) string {
	if strings.Contains(strings.ToLower(key), "tok") {
		return "; the Plex token is never read from the config file, set " + EnvToken + " or use the stored credentials"
	}
	if best := closest(key, names); best != "" {
		return fmt.Sprintf("; did you mean %q?", best)
	}
	sorted := append([]string(nil), names...)
	sort.Strings(sorted)
	return "; valid keys: " + strings.Join(sorted, ", ")
}

// walkValue decodes one value node into v. line is the line of its key.
func walkValue(n *yaml.Node, v reflect.Value, path string, line int, ps *problems) {
	if isNull(n) {
		return // keep the default
	}
	switch v.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			ps.add(line, path, "%s: want a section of keys, got %s", path, describe(n))
			return
		}
		walkStruct(n, v, path, ps)
	case reflect.String:
		s, ok := scalarString(n)
		if !ok {
			ps.add(line, path, "%s: want a string, got %s", path, describe(n))
			return
		}
		v.SetString(s)
	case reflect.Int:
		var i int
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&i) != nil {
			ps.add(line, path, "%s: want an integer, got %s", path, describe(n))
			return
		}
		v.SetInt(int64(i))
	case reflect.Float64:
		var f float64
		tag := n.ShortTag()
		if n.Kind != yaml.ScalarNode || (tag != "!!int" && tag != "!!float") || n.Decode(&f) != nil {
			ps.add(line, path, "%s: want a number, got %s", path, describe(n))
			return
		}
		v.SetFloat(f)
	case reflect.Slice:
		walkStringList(n, v, path, line, ps)
	case reflect.Map:
		walkStringMap(n, v, path, line, ps)
	default:
		// Unreachable unless a field of a new type is added to Config.
		panic(fmt.Sprintf("config: no decoder for %s (%s)", path, v.Type()))
	}
}

// scalarString accepts any scalar, so that `device_name: 1999` works.
func scalarString(n *yaml.Node) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!binary" {
		return "", false
	}
	return n.Value, true
}

func walkStringList(n *yaml.Node, v reflect.Value, path string, line int, ps *problems) {
	if n.Kind != yaml.SequenceNode {
		ps.add(line, path, "%s: want a list of strings, got %s", path, describe(n))
		return
	}
	out := make([]string, 0, len(n.Content))
	bad := false
	for i, item := range n.Content {
		item = resolveAlias(item)
		key := fmt.Sprintf("%s[%d]", path, i)
		s, ok := scalarString(item)
		if !ok || isNull(item) {
			ps.add(item.Line, key, "%s: want a string, got %s", key, describe(item))
			bad = true
			continue
		}
		ps.lines[key] = item.Line
		out = append(out, s)
	}
	if !bad {
		v.Set(reflect.ValueOf(out))
	}
}

func walkStringMap(n *yaml.Node, v reflect.Value, path string, line int, ps *problems) {
	if n.Kind != yaml.MappingNode {
		ps.add(line, path, "%s: want a mapping of names to strings, got %s", path, describe(n))
		return
	}
	out := map[string]string{}
	bad := false
	mappingPairs(n, path, ps, func(key string, k, val *yaml.Node) {
		full := childKey(path, key)
		s, ok := scalarString(val)
		if !ok || isNull(val) {
			ps.add(k.Line, full, "%s: want a string, got %s", full, describe(val))
			bad = true
			return
		}
		ps.lines[full] = k.Line
		out[key] = s
	})
	if !bad {
		v.Set(reflect.ValueOf(out))
	}
}
