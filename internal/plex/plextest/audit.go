package plextest

// SetAccountToken replaces the account token with tok, which plex.tv hands
// out to PINs claimed from now on and accepts from then on. Secrets audits
// use it to plant a token they can search every output for.
func (f *Fake) SetAccountToken(tok string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.accountToken = tok
}

// SetAccessToken replaces the server's access token with tok (what
// /resources reports and the server accepts), like RotateToken but to a
// value an audit can recognise.
func (s *Server) SetAccessToken(tok string) {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	s.token = tok
}
