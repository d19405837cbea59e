package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestDesignPackageMap fails when docs/DESIGN.md's package map and the
// packages in the tree disagree, so the map a newcomer reads first stays
// the one the code has.
func TestDesignPackageMap(t *testing.T) {
	root := filepath.Join("..", "..")
	doc, err := os.ReadFile(filepath.Join(root, "docs", "DESIGN.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(doc)
	start := strings.Index(text, "## Packages and arrows")
	if start < 0 {
		t.Fatal(`docs/DESIGN.md has no "## Packages and arrows" section`)
	}
	block := text[start:]
	open := strings.Index(block, "```\n")
	end := strings.Index(block[open+4:], "```")
	if open < 0 || end < 0 {
		t.Fatal("the package map is not a fenced block")
	}
	name := regexp.MustCompile(`(?m)^[\s└─├│]*((?:cmd|internal|migrations|packaging)[a-z0-9/-]*?)/?\s`)
	var mapped []string
	for _, m := range name.FindAllStringSubmatch(block[open+4:open+4+end], -1) {
		mapped = append(mapped, m[1])
	}

	var pkgs []string
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, err := filepath.Rel(root, filepath.Dir(path))
		if err != nil {
			return err
		}
		if rel = filepath.ToSlash(rel); !slices.Contains(pkgs, rel) {
			pkgs = append(pkgs, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(pkgs)
	slices.Sort(mapped)
	if !slices.Equal(pkgs, mapped) {
		t.Errorf("docs/DESIGN.md's package map lists\n  %v\nbut the tree has\n  %v", mapped, pkgs)
	}
}
