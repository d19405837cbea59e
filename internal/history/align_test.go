package history

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestBetweenKeepsOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	keys := Between("", "", 1000)
	if !slices.IsSorted(keys) || len(slices.Compact(slices.Clone(keys))) != 1000 {
		t.Fatal("initial keys not strictly increasing")
	}
	for i := 0; i < 3000; i++ {
		at := r.IntN(len(keys) + 1)
		lo, hi := "", ""
		if at > 0 {
			lo = keys[at-1]
		}
		if at < len(keys) {
			hi = keys[at]
		}
		n := 1 + r.IntN(3)
		ins := Between(lo, hi, n)
		for _, k := range ins {
			if !ValidKey(k) || (lo != "" && k <= lo) || (hi != "" && k >= hi) {
				t.Fatalf("key %q not strictly between %q and %q", k, lo, hi)
			}
		}
		keys = slices.Insert(keys, at, ins...)
	}
	if !slices.IsSorted(keys) {
		t.Fatal("keys out of order after random inserts")
	}
	// Inserting at the front again and again stays short: one digit per
	// ~6 bits of halving.
	front := Between("", "", 1)
	for range 500 {
		front = append(Between("", front[0], 1), front...)
	}
	if !slices.IsSorted(front) {
		t.Fatal("front inserts out of order")
	}
	if l := len(front[0]); l > 100 {
		t.Fatalf("500 front inserts made a key of %d digits", l)
	}
}

// lcs is the textbook quadratic longest common subsequence length.
func lcs(a, b []string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for i := range a {
		for j := range b {
			switch {
			case a[i] == b[j]:
				cur[j+1] = prev[j] + 1
			case prev[j+1] >= cur[j]:
				cur[j+1] = prev[j+1]
			default:
				cur[j+1] = cur[j]
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func TestAlignIsALongestCommonSubsequence(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for round := range 300 {
		// Unique keys, as playlist item ids make them.
		n := r.IntN(40)
		old := make([]string, n)
		for i := range old {
			old[i] = fmt.Sprint(i)
		}
		cur := slices.Clone(old)
		for range r.IntN(6) {
			switch r.IntN(3) {
			case 0:
				if len(cur) > 0 {
					i := r.IntN(len(cur))
					cur = slices.Delete(cur, i, i+1)
				}
			case 1:
				cur = slices.Insert(cur, r.IntN(len(cur)+1), fmt.Sprintf("new%d", r.IntN(1000)))
			case 2:
				if len(cur) > 1 {
					i, j := r.IntN(len(cur)), r.IntN(len(cur))
					cur[i], cur[j] = cur[j], cur[i]
				}
			}
		}
		a := Align(old, cur)
		if want := lcs(old, cur); a.Stayed != want {
			t.Fatalf("round %d: kept %d, longest common subsequence is %d\nold %v\nnew %v", round, a.Stayed, want, old, cur)
		}
		last := -1
		for j, k := range a.Kept {
			if k {
				if a.OldOf[j] <= last || old[a.OldOf[j]] != cur[j] {
					t.Fatalf("round %d: kept entries not an increasing common subsequence", round)
				}
				last = a.OldOf[j]
			}
		}
		if a.Added()+a.Common != len(cur) || a.Removed()+a.Common != len(old) {
			t.Fatalf("round %d: counts do not add up", round)
		}
	}
}

func TestCompareDuplicates(t *testing.T) {
	it := func(key string, pid int64) Item { return Item{RatingKey: key, PlaylistItemID: pid, Title: "t" + key} }
	// A smart playlist (no item ids) holding a track twice, one copy of
	// which moves to the end; and an entry replaced.
	old := []Item{it("a", 0), it("b", 0), it("a", 0), it("c", 0)}
	cur := []Item{it("b", 0), it("a", 0), it("d", 0), it("a", 0)}
	d := Compare(old, cur)
	var got []string
	for _, c := range append(append(d.Added, d.Removed...), d.Moved...) {
		got = append(got, fmt.Sprintf("%s %s %d>%d", c.Op, c.Item.RatingKey, c.From, c.To))
	}
	want := "added d -1>2,removed c 3>-1,moved b 1>0"
	if strings.Join(got, ",") != want {
		t.Fatalf("diff %v, want %s", got, want)
	}
}
