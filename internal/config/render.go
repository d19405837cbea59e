package config

import (
	"bytes"
	"fmt"

	"go.yaml.in/yaml/v3"
)

// Render returns the effective configuration as YAML for `config check`.
// The output is itself a valid config file; the token and the source file
// appear only in a leading comment, the token as "[redacted] (from
// PLEXM8_TOKEN)" or "(not set)". The config knows only PLEXM8_TOKEN; a
// caller that also reads the credentials file says what it found with
// RenderWithToken.
func (c *Config) Render() ([]byte, error) {
	token := "(not set)"
	if !c.Token.IsZero() {
		token = fmt.Sprintf("%v (from %s)", c.Token, EnvToken)
	}
	return c.RenderWithToken(token)
}

// RenderWithToken is Render with token as the comment's description of the
// token. It must not hold the token itself.
func (c *Config) RenderWithToken(token string) ([]byte, error) {
	var root yaml.Node
	if err := root.Encode(c); err != nil {
		return nil, fmt.Errorf("render config: %w", err)
	}
	src := "no config file, defaults and environment only"
	if c.Path != "" {
		src = c.Path
	}
	root.HeadComment = fmt.Sprintf("Effective configuration.\nsource: %s\ntoken: %s", src, token)

	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&root); err != nil {
		return nil, fmt.Errorf("render config: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("render config: %w", err)
	}
	return buf.Bytes(), nil
}
