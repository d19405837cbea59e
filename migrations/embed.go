// Package migrations holds the database schema as numbered SQL files.
//
// Files are named NNNN_description.sql and applied in order, each in its own
// transaction; the number becomes PRAGMA user_version. Never edit a file that
// has shipped: add a new one.
package migrations

import "embed"

// FS holds every migration file.
//
//go:embed *.sql
var FS embed.FS
