package config

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

const examplePath = "../../config.example.yaml"

// The example, as shipped, changes nothing: loading it gives the defaults.
func TestExampleLoadsAsDefault(t *testing.T) {
	c, err := Load(examplePath, true, hostEnv(nil))
	if err != nil {
		t.Fatalf("example config: %v", err)
	}
	want := Default()
	want.Path = examplePath
	if !reflect.DeepEqual(c, want) {
		t.Errorf("example config differs from Default():\n got %+v\nwant %+v", c, want)
	}
}

// defaultLine is a setting shown with its default, sshd_config style:
// "#key: value" with no space after "#"; prose comments have one.
var defaultLine = regexp.MustCompile(`(?m)^(\s*)#([a-z_]+:)`)

// Uncommenting every "#key: value" line must still give the defaults: this
// is what proves the documented defaults are the real ones. The host
// dependent values in the example are those of the test user platform.
func TestExampleDocumentedDefaultsAreTheDefaults(t *testing.T) {
	data, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	uncommented := defaultLine.ReplaceAllString(string(data), "$1$2")
	if uncommented == string(data) {
		t.Fatal("no commented default found in the example; the test is not testing anything")
	}
	path := writeFile(t, "config.yaml", uncommented)

	p := userPlatform(nil)
	got, err := load(p, path, true)
	if err != nil {
		t.Fatalf("example with every default uncommented:\n%v\n---\n%s", err, uncommented)
	}
	want, err := load(p, "", false)
	if err != nil {
		t.Fatal(err)
	}
	want.Path = path
	if !reflect.DeepEqual(got, want) {
		t.Errorf("documented defaults differ from the real ones:\n got %+v\nwant %+v", got, want)
	}
}

// Every key of the schema appears in the example, as a setting or a
// commented default, so that the example documents all of them.
func TestExampleDocumentsEveryKey(t *testing.T) {
	data, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, key := range schemaKeys(reflect.TypeFor[Config](), "") {
		leaf := key[strings.LastIndex(key, ".")+1:]
		re := regexp.MustCompile(`(?m)^\s*#?` + regexp.QuoteMeta(leaf) + `:`)
		if !re.MatchString(text) {
			t.Errorf("config.example.yaml does not document %s", key)
		}
	}
}

// schemaKeys lists the dotted yaml keys of t, sections included.
func schemaKeys(t reflect.Type, prefix string) []string {
	var keys []string
	index, names := yamlFields(t)
	for _, name := range names {
		key := joinKey(prefix, name)
		keys = append(keys, key)
		if ft := t.Field(index[name]).Type; ft.Kind() == reflect.Struct {
			keys = append(keys, schemaKeys(ft, key)...)
		}
	}
	return keys
}
