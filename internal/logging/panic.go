package logging

import (
	"fmt"
	"log/slog"
	"runtime/debug"
)

// LogPanic logs a value recovered from a panic, with the stack, scrubbed of
// tokens: a panic message is free text and may hold a request URL. Call it
// from the deferred function that recovers:
//
//	defer func() {
//		if r := recover(); r != nil {
//			logging.LogPanic(log, r)
//		}
//	}()
//
// Scrubbing happens here, not only in the handler, so it holds for any
// logger.
func LogPanic(l *slog.Logger, r any) {
	l.Error("recovered from a panic; this is a bug, please report it with this log entry",
		slog.String("panic", scrubRendered(fmt.Sprint(r))),
		slog.String("stack", ScrubURL(string(debug.Stack()))),
	)
}
