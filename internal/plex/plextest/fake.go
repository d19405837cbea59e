package plextest

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"time"
)

// Fake is a running fake of plex.tv and of two Plex Media Servers: "Home
// Server" (owned) and "Friend's Server" (shared with the account).
type Fake struct {
	opts  Options
	clock clock
	done  chan struct{}

	// mu guards the model: libraries, playlists, tokens and PINs.
	mu sync.RWMutex
	// evalMu guards the caches filled while only a read lock is held.
	evalMu sync.Mutex

	accountToken string
	tokenRand    *rand.Rand
	pinRand      *rand.Rand
	pins         map[int64]*pin
	nextPIN      int64
	userID       int64
	userUUID     string

	servers []*Server
	tv      *httptest.Server
	all     []*httptest.Server
	rootCAs *x509.CertPool

	logMu    sync.Mutex
	requests []Request
	logEpoch uint64 // counts ResetRequests

	faultMu sync.Mutex
	faults  []*faultState
	windows []Window

	// connMu guards all and the listeners of connections KillConn and
	// ReviveConn replace.
	connMu    sync.Mutex
	closeOnce sync.Once
}

// Start generates the library and starts every listener. Close the Fake when
// done.
func Start(o Options) (*Fake, error) {
	opts, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	f := &Fake{
		opts:      opts,
		clock:     clock{now: opts.Now, shared: opts.SharedSecond},
		done:      make(chan struct{}),
		tokenRand: newRand(opts.Seed, streamTokens),
		pinRand:   newRand(opts.Seed, streamPINs),
		pins:      make(map[int64]*pin),
	}
	f.accountToken = randomToken(f.tokenRand)
	f.userID = 10_000_000 + int64(f.pinRand.IntN(9_000_000))
	f.userUUID = fmt.Sprintf("%016x", f.pinRand.Uint64())
	f.nextPIN = 500_000_000 + int64(f.pinRand.IntN(100_000_000))

	owned := f.newServer(0, "Home Server", true, opts)
	shared := f.newServer(1, "Friend's Server", false, opts)
	shared.ownerID = 20_000_000 + int64(f.pinRand.IntN(9_000_000))
	shared.sourceTitle = "friend_of_mine"
	f.servers = []*Server{owned, shared}

	if err := f.listen(); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func (f *Fake) newServer(index int, name string, owned bool, opts Options) *Server {
	stream := streamOwnedToken
	if !owned {
		stream = streamSharedToken
	}
	s := &Server{
		f:         f,
		index:     index,
		name:      name,
		owned:     owned,
		seed:      mix(uint64(opts.Seed) ^ uint64(index+1)*0x9e3779b97f4a7c15),
		version:   "1.41.3.9314-a0bfb8370",
		tokenRand: newRand(opts.Seed, stream),
	}
	s.machineID = fmt.Sprintf("%016x%016x%08x", mix(s.seed), mix(s.seed+1), uint32(mix(s.seed+2)))
	s.token = randomToken(s.tokenRand)
	if opts.Cores > 0 {
		s.cores = make(chan struct{}, opts.Cores)
	}
	s.genLibrary(opts)
	return s
}

// listen starts plex.tv and one listener per live PMS connection. The dead
// connection's port is one that was bound and released, so nothing answers.
func (f *Fake) listen() error {
	f.tv = httptest.NewServer(f.tvHandler())
	f.all = append(f.all, f.tv)
	for _, s := range f.servers {
		if s.owned {
			dead, err := deadPort()
			if err != nil {
				return err
			}
			s.conns = append(s.conns, &conn{name: ConnLocalHTTPS, protocol: "https", address: "127.0.0.1", port: dead, local: true})
			if err := f.addConn(s, &conn{name: ConnLocal, protocol: "http", local: true}); err != nil {
				return err
			}
			if err := f.addConn(s, &conn{name: ConnRemote, protocol: "http"}); err != nil {
				return err
			}
			if err := f.addConn(s, &conn{name: ConnRelay, protocol: "https", relay: true}); err != nil {
				return err
			}
			if err := f.addConn(s, &conn{name: ConnIPv6, protocol: "http", ipv6: true}); err != nil {
				return err
			}
		} else {
			if err := f.addConn(s, &conn{name: ConnLocal, protocol: "http", local: true}); err != nil {
				return err
			}
			if err := f.addConn(s, &conn{name: ConnRemote, protocol: "http"}); err != nil {
				return err
			}
		}
		for _, c := range s.conns {
			if c.url == "" {
				host := c.address
				if c.ipv6 {
					host = "[" + host + "]"
				}
				c.url = c.protocol + "://" + host + ":" + strconv.Itoa(c.port)
			}
		}
	}
	return nil
}

func (f *Fake) addConn(s *Server, c *conn) error {
	h := f.pmsHandler(s, c.name)
	addr := "127.0.0.1:0"
	if c.ipv6 {
		addr = "[::1]:0"
	}
	l, err := net.Listen("tcp", addr)
	if err != nil && c.ipv6 {
		// No IPv6 loopback on this machine: advertise the connection
		// anyway, dead, as plex.tv would list an unreachable address.
		c.address = "::1"
		c.port, err = deadPortOn("tcp4", "127.0.0.1:0")
		s.conns = append(s.conns, c)
		return err
	}
	if err != nil {
		return fmt.Errorf("plextest: listen on %s for %s connection %q: %w", addr, s.name, c.name, err)
	}
	// Handshakes a client refuses (a probe of the relay without the fake's
	// root) are normal here; net/http would log each one to stderr.
	ts := &httptest.Server{Listener: l, Config: &http.Server{Handler: h, ErrorLog: log.New(io.Discard, "", 0)}}
	if c.protocol == "https" {
		ts.StartTLS()
		if f.rootCAs == nil {
			f.rootCAs = x509.NewCertPool()
			f.rootCAs.AddCert(ts.Certificate())
		}
	} else {
		ts.Start()
	}
	tcp := l.Addr().(*net.TCPAddr)
	c.ts, c.port, c.address, c.url = ts, tcp.Port, tcp.IP.String(), ts.URL
	s.conns = append(s.conns, c)
	f.all = append(f.all, ts)
	return nil
}

func deadPort() (int, error) { return deadPortOn("tcp4", "127.0.0.1:0") }

func deadPortOn(network, addr string) (int, error) {
	l, err := net.Listen(network, addr)
	if err != nil {
		return 0, fmt.Errorf("plextest: reserve a dead loopback port: %w", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		return 0, fmt.Errorf("plextest: release dead port: %w", err)
	}
	return port, nil
}

// Close stops every listener. Sleeps for injected latency end at once, so
// requests in flight are answered rather than cut off.
func (f *Fake) Close() {
	f.closeOnce.Do(func() {
		close(f.done)
		f.connMu.Lock()
		all := append([]*httptest.Server(nil), f.all...)
		f.connMu.Unlock()
		for _, ts := range all {
			ts.Close()
		}
	})
}

// TVURL returns the plex.tv API base, http://127.0.0.1:P/api/v2.
func (f *Fake) TVURL() string { return f.tv.URL + "/api/v2" }

// ClientsURL returns the clients.plex.tv API base; the same server as TVURL.
func (f *Fake) ClientsURL() string { return f.tv.URL + "/api/v2" }

// RootCAs returns the pool that trusts the fake's TLS listeners (the relay
// connection).
func (f *Fake) RootCAs() *x509.CertPool { return f.rootCAs }

// AccountToken returns the currently valid plex.tv user token.
func (f *Fake) AccountToken() string {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.accountToken
}

// RevokeAccountToken invalidates the account token: plex.tv answers 401
// (JSON, code 1001) for it from now on. A new token becomes AccountToken(),
// which later claimed PINs hand out. PMS access tokens stay valid.
func (f *Fake) RevokeAccountToken() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.accountToken = randomToken(f.tokenRand)
}

// ErrNoPIN is returned by ClaimPIN for an unknown or expired PIN.
var ErrNoPIN = errors.New("plextest: no such PIN, or it expired")

// ClaimPIN plays the user approving the PIN in the browser: from now on
// GET /pins/{id} carries AccountToken() as authToken.
func (f *Fake) ClaimPIN(id int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.pins[id]
	if !ok || p.expired(f.clock.Now()) {
		return fmt.Errorf("claim PIN %d: %w", id, ErrNoPIN)
	}
	p.claimed = true
	return nil
}

// ClaimPendingPINs claims every PIN that is neither claimed nor expired,
// standing in for a user who approves every sign-in (the demo's --serve
// mode). It returns how many it claimed.
func (f *Fake) ClaimPendingPINs() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, p := range f.pins {
		if !p.claimed && !p.expired(f.clock.Now()) {
			p.claimed = true
			n++
		}
	}
	return n
}

// Owned returns "Home Server", the server the account owns.
func (f *Fake) Owned() *Server { return f.servers[0] }

// Shared returns "Friend's Server", shared with the account by its owner.
func (f *Fake) Shared() *Server { return f.servers[1] }

// Servers returns every server: owned first, then shared.
func (f *Fake) Servers() []*Server { return append([]*Server(nil), f.servers...) }

// Options returns the options the fake runs with, defaults filled in.
func (f *Fake) Options() Options { return f.opts }

// sleep waits d, or less if the request is cancelled or the fake closes.
func (f *Fake) sleep(r *http.Request, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
	case <-f.done:
	}
}
