// Package packaging holds the release files that the binary must agree with:
// the systemd unit that packages install is the same one `service install`
// writes, so it is embedded here rather than copied into Go code.
package packaging

import _ "embed"

// SystemdUnit is the hardened systemd unit for a system-wide install, with
// ExecStart naming /usr/bin/plexm8-sync and /etc/plexm8/config.yaml.
//
//go:embed systemd/plexm8-sync.service
var SystemdUnit string
