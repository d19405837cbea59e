package plextest

import (
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
)

// KillConn makes the named connection dead, as when a server's address stops
// answering: its listener is closed, so new connections are refused, and the
// connections open on it are cut, requests in flight included. It does not
// wait for handlers, so a Fault's Before may call it. The connection stays
// advertised by /resources; ReviveConn brings it back.
func (s *Server) KillConn(name string) {
	c := s.connNamed(name)
	s.f.connMu.Lock()
	defer s.f.connMu.Unlock()
	if c.ts == nil || c.dead {
		return
	}
	c.dead = true
	_ = c.ts.Listener.Close()
	c.ts.CloseClientConnections()
}

// ReviveConn listens again, on the same address, for a connection KillConn
// made dead.
func (s *Server) ReviveConn(name string) error {
	c := s.connNamed(name)
	s.f.connMu.Lock()
	defer s.f.connMu.Unlock()
	if !c.dead {
		return nil
	}
	addr := net.JoinHostPort(c.address, strconv.Itoa(c.port))
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("plextest: revive %s connection %q on %s: %w", s.name, name, addr, err)
	}
	ts := &httptest.Server{Listener: l, Config: &http.Server{Handler: c.ts.Config.Handler, ErrorLog: log.New(io.Discard, "", 0)}}
	if c.protocol == "https" {
		ts.StartTLS() // httptest's certificate: the same root as before
	} else {
		ts.Start()
	}
	c.ts, c.dead = ts, false
	s.f.all = append(s.f.all, ts)
	return nil
}

func (s *Server) connNamed(name string) *conn {
	for _, c := range s.conns {
		if c.name == name {
			if c.ts == nil {
				panic(fmt.Sprintf("plextest: %s connection %q has no listener (it is always dead)", s.name, name))
			}
			return c
		}
	}
	panic(fmt.Sprintf("plextest: %s has no connection %q", s.name, name))
}
