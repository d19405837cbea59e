package plextest

import (
	"encoding/hex"
	"strconv"
)

// Values that can be computed from (seed, rating key) are not stored: a
// million tracks would otherwise cost a million small strings. mix is
// splitmix64's finaliser, a cheap, well-spread hash.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// salts separate the hash streams of different derived values.
const (
	saltGUID uint64 = iota + 1
	saltMBID
	saltMBID2
	saltDuration
	saltCodec
	saltBitrate
	saltOriginal
	saltStudio
	saltDate
	saltSummary
)

func (s *Server) hash(rk int64, salt uint64) uint64 {
	return mix(s.seed ^ mix(uint64(rk)*0x100000001b3^salt<<56))
}

// plexGUID renders a plex:// guid such as plex://track/5d07ce55403c640290040df6.
func (s *Server) plexGUID(kind string, rk int64) string {
	h1, h2 := s.hash(rk, saltGUID), s.hash(rk, saltGUID+100)
	var b [12]byte
	for i := range 8 {
		b[i] = byte(h1 >> (8 * i))
	}
	for i := range 4 {
		b[8+i] = byte(h2 >> (8 * i))
	}
	return "plex://" + kind + "/" + hex.EncodeToString(b[:])
}

// uuid renders a version-4 style UUID from two hash values.
func uuidFrom(h1, h2 uint64) string {
	var b [16]byte
	for i := range 8 {
		b[i] = byte(h1 >> (8 * i))
		b[8+i] = byte(h2 >> (8 * i))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:36], b[10:16])
	return string(out[:])
}

func (s *Server) mbid(rk int64, salt uint64) string {
	return uuidFrom(s.hash(rk, salt), s.hash(rk, salt+200))
}

func rkString(rk int64) string { return strconv.FormatInt(rk, 10) }

// parseRK parses a rating key; ok is false for anything that is not a
// positive decimal number (the fake only hands out such keys).
func parseRK(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, false
	}
	return n, true
}
