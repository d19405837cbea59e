package restore

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// repairOrder, played against a simulated playlist with the server's move
// semantics, always ends in the wanted order, duplicates included, with one
// move per entry off the longest run already in order.
func TestRepairOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for round := range 500 {
		n := r.IntN(30)
		want := make([]string, n)
		for i := range want {
			want[i] = fmt.Sprint(r.IntN(max(n/2, 1))) // repeats
		}
		type entry struct {
			key string
			id  int64
		}
		cur := make([]entry, n)
		for i, k := range want {
			cur[i] = entry{k, int64(100 + i)}
		}
		r.Shuffle(n, func(i, j int) { cur[i], cur[j] = cur[j], cur[i] })
		got := make([]string, n)
		ids := make([]int64, n)
		for i, e := range cur {
			got[i], ids[i] = e.key, e.id
		}
		moves, err := repairOrder(got, ids, want, func(id, after int64) error {
			i := slices.IndexFunc(cur, func(e entry) bool { return e.id == id })
			e := cur[i]
			cur = slices.Delete(cur, i, i+1)
			to := 0
			if after != 0 {
				to = slices.IndexFunc(cur, func(e entry) bool { return e.id == after }) + 1
			}
			cur = slices.Insert(cur, to, e)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		final := make([]string, len(cur))
		for i, e := range cur {
			final[i] = e.key
		}
		if !slices.Equal(final, want) {
			t.Fatalf("round %d: %v after repair, want %v", round, final, want)
		}
		if moves > n {
			t.Fatalf("round %d: %d moves for %d items", round, moves, n)
		}
	}
}
