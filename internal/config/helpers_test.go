package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// envMap is an injected environment: only the given variables exist.
func envMap(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

// hostEnv is the real environment minus PLEXM8_*, so that exported Load
// computes the same host defaults as Default() whatever the test runner's
// environment holds.
func hostEnv(kv map[string]string) func(string) string {
	return func(k string) string {
		if v, ok := kv[k]; ok {
			return v
		}
		if strings.HasPrefix(k, "PLEXM8_") {
			return ""
		}
		return os.Getenv(k)
	}
}

// userPlatform is a non-root Linux user with a known home and host name, so
// path defaults are predictable whoever runs the tests.
func userPlatform(env map[string]string) platform {
	full := map[string]string{"HOME": "/home/u"}
	for k, v := range env {
		full[k] = v
	}
	return platform{
		goos:     "linux",
		getenv:   envMap(full),
		hostname: func() (string, error) { return "my-host", nil },
	}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// validationError asserts err is a *ValidationError and returns it.
func validationError(t *testing.T, err error) *ValidationError {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want *ValidationError, got %T: %v", err, err)
	}
	return ve
}

// mustLoad loads with the test user platform and fails on any error.
func mustLoad(t *testing.T, path string, env map[string]string) *Config {
	t.Helper()
	c, err := load(userPlatform(env), path, true)
	if err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	return c
}
