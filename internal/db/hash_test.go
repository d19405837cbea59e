package db

import (
	"encoding/binary"
	"hash/fnv"
	"math"
	"testing"
)

// The hasher is hash/fnv's FNV-1a written out (see hasher): over the same
// bytes, both give the same sum. Stored row hashes depend on it.
func TestHasherIsFNV1a(t *testing.T) {
	vals := []any{nil, "", "Title ✨", int64(-3), int64(1_700_000_000), 4.5, math.Inf(1), true, false}
	f := fnv.New64a()
	var b [8]byte
	for _, v := range vals {
		switch v := v.(type) {
		case nil:
			f.Write([]byte{'n'})
		case string:
			binary.LittleEndian.PutUint64(b[:], uint64(len(v)))
			f.Write(append([]byte{'s'}, b[:]...))
			f.Write([]byte(v))
		case int64:
			binary.LittleEndian.PutUint64(b[:], uint64(v))
			f.Write(append([]byte{'i'}, b[:]...))
		case float64:
			binary.LittleEndian.PutUint64(b[:], math.Float64bits(v))
			f.Write(append([]byte{'f'}, b[:]...))
		case bool:
			if v {
				f.Write([]byte{'T'})
			} else {
				f.Write([]byte{'F'})
			}
		}
	}
	if got, want := hashValues(vals), int64(f.Sum64()); got != want {
		t.Fatalf("hasher %d, hash/fnv %d", got, want)
	}
	// Separators and tags keep neighbouring values apart.
	if hashValues([]any{"ab", "c"}) == hashValues([]any{"a", "bc"}) || hashValues([]any{nil}) == hashValues([]any{""}) {
		t.Fatal("values that differ hash the same")
	}
}
