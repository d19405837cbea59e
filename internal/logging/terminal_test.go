package logging

import (
	"bytes"
	"io"
	"os"
	"testing"
)

// /dev/null is a character device but no terminal: neither a progress bar
// nor colour may be drawn on it (a service's or a cron job's stderr often
// is /dev/null). Nor on a pipe, a regular file or a non-file writer.
func TestIsTerminalOnlyForTerminals(t *testing.T) {
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	file, err := os.Create(t.TempDir() + "/log")
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	for name, out := range map[string]io.Writer{os.DevNull: null, "pipe": w, "file": file, "buffer": &bytes.Buffer{}} {
		if IsTerminal(out) {
			t.Errorf("%s taken for a terminal", name)
		}
	}
}
