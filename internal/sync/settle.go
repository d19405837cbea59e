package sync

import (
	"time"

	"github.com/plexm8/plexm8-sync/internal/plex"
)

// Plex stamps are whole seconds. An edit made in the same second as the read
// that produced a stored signature can leave every stamp of that signature
// as it was (a playlist reorder moves no leafCount or duration either), so a
// signature equal to the stored one proves nothing when the stored one's
// stamps reach the second of its read. Such a signature is stored as
// unsettled, which no freshly computed one equals: the next incremental pass
// reconciles the scope again, and stores it settled once the server's clock
// has moved past its stamps.

// unsettledMark ends a stored signature that must not be trusted.
const unsettledMark = "|unsettled"

// settleMargin allows for a server that takes its Date header after reading
// the data: an edit between the read and the header could share the stamp's
// second although the header names the next one.
const settleMargin = time.Second

// signature is a scope's change signals as text, and whether they may be
// trusted next time.
type signature struct {
	text      string
	unsettled bool
}

// stored is the signature as sync_state keeps it.
func (g signature) stored() string {
	if g.unsettled {
		return g.text + unsettledMark
	}
	return g.text
}

// matches reports whether old, a stored signature, proves the scope
// unchanged since it was stored.
func (g signature) matches(old string) bool { return old == g.text }

// newSignature builds a signature whose stamps (epoch seconds, the server's
// clock) were read at the server time at. A zero at (a server that sent no
// Date) falls back to local, our own clock.
func newSignature(text string, at, local time.Time, stamps ...plex.OptInt) signature {
	if at.IsZero() {
		at = local
	}
	limit := at.Add(-settleMargin).Unix()
	for _, st := range stamps {
		if st.Valid && st.V >= limit {
			return signature{text: text, unsettled: true}
		}
	}
	return signature{text: text}
}
