package daemon

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/plexm8/plexm8-sync/internal/account"
	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
	"github.com/plexm8/plexm8-sync/internal/secret"
)

// The token record says which token it is about, and what was learnt of one
// token is not carried over to another.
func TestTokenRecordNamesTheToken(t *testing.T) {
	e := newFakeEnv(t)
	dir := e.cfg.StateDir
	if _, err := account.LoadOrCreateClientID(dir); err != nil {
		t.Fatal(err)
	}
	good, bogus := secret.New(e.fake.AccountToken()), secret.New("bogus-token")
	s := e.dm.sched
	s.RunNow(db.JobValidateToken)
	if st := e.tokenState(t); st.State != db.TokenOK || st.TokenID == "" || st.TokenID != account.TokenID(dir, good) {
		t.Fatalf("after a good check: %+v", st)
	}

	// Another token, and plex.tv cannot be asked: nothing is known of it.
	if err := account.Save(dir, account.Credentials{Token: bogus, SavedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	e.fake.Inject(plextest.Fault{Host: "plex.tv", Status: http.StatusServiceUnavailable})
	s.RunNow(db.JobValidateToken)
	if st := e.tokenState(t); st.State != db.TokenUnknown || st.TokenID != account.TokenID(dir, bogus) || st.Account != "" {
		t.Fatalf("another token, plex.tv down: %+v", st)
	}
	e.fake.ClearFaults()
	s.RunNow(db.JobValidateToken)
	if st := e.tokenState(t); st.State != db.TokenRejected || st.TokenID != account.TokenID(dir, bogus) {
		t.Fatalf("the bogus token checked: %+v", st)
	}

	e.login()
	s.RunNow(db.JobValidateToken)
	if st := e.tokenState(t); st.State != db.TokenOK || st.TokenID != account.TokenID(dir, good) || st.Account != "plexm8_user" {
		t.Fatalf("signed in again: %+v", st)
	}
	if logs := e.logs.String(); strings.Contains(logs, "bogus-token") || strings.Contains(logs, e.fake.AccountToken()) {
		t.Fatal("a token reached the log")
	}
}
