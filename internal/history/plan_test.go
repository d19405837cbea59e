package history

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// opened gives keys their initial order keys, as a first version would,
// each with description 1.
func opened(keys ...string) []OpenEntry {
	sk := InitialKeys(len(keys))
	out := make([]OpenEntry, len(keys))
	for i, k := range keys {
		out[i] = OpenEntry{Key: k, SortKey: sk[i], Desc: 1}
	}
	return out
}

// listed is a new listing of keys, each with description 1 and no
// duration; "k'" is k with its description changed.
func listed(keys ...string) []NewEntry {
	out := make([]NewEntry, len(keys))
	for j, k := range keys {
		out[j] = NewEntry{Key: k, Desc: 1}
		if base, ok := strings.CutSuffix(k, "'"); ok {
			out[j] = NewEntry{Key: base, Desc: 2}
		}
	}
	return out
}

func TestPlanVersion(t *testing.T) {
	abc := opened("a", "b", "c")
	ka, kb, kc := abc[0].SortKey, abc[1].SortKey, abc[2].SortKey
	timed := listed("a", "b", "c")
	timed[0].DurationMS, timed[0].HasDuration = 1000, true
	timed[2].DurationMS, timed[2].HasDuration = 0, true
	timed[1].DurationMS = 5 // not said: not counted
	zero := listed("a")
	zero[0].HasDuration = true

	place := func(from int, keys []string) []Placement {
		out := make([]Placement, len(keys))
		for n, k := range keys {
			out[n] = Placement{from + n, k}
		}
		return out
	}
	for _, c := range []struct {
		name string
		old  []OpenEntry
		new  []NewEntry
		want VersionPlan
	}{
		{"first version", nil, listed("a", "b", "c"),
			VersionPlan{Insert: place(0, InitialKeys(3)), Added: 3}},
		{"unchanged", abc, listed("a", "b", "c"), VersionPlan{}},
		{"append", abc, listed("a", "b", "c", "d"),
			VersionPlan{Insert: place(3, Between(kc, "", 1)), Added: 1}},
		{"prepend", abc, listed("d", "a", "b", "c"),
			VersionPlan{Insert: place(0, Between("", ka, 1)), Added: 1}},
		{"removal", abc, listed("a", "c"),
			VersionPlan{Close: []int{1}, Removed: 1}},
		{"every entry removed", abc, nil,
			VersionPlan{Close: []int{0, 1, 2}, Removed: 3}},
		{"move", abc, listed("c", "a", "b"),
			VersionPlan{Close: []int{2}, Insert: place(0, Between("", ka, 1)), Moved: 1}},
		{"duplicate keys", opened("a", "a", "b"), listed("a", "b", "a"),
			// The k-th a is the old k-th a: both stay, b moves between them.
			VersionPlan{Close: []int{2}, Insert: place(1, Between(ka, opened("a", "a", "b")[1].SortKey, 1)), Moved: 1}},
		{"description changed under the same key keeps its sort key", abc, listed("a", "b'", "c"),
			VersionPlan{Close: []int{1}, Reopen: []Placement{{1, kb}}}},
		{"inserts between kept neighbours", abc, listed("a", "x", "y", "b", "c"),
			VersionPlan{Insert: place(1, Between(ka, kb, 2)), Added: 2}},
		{"changed descriptions close before entries not kept", abc, listed("b'", "c'"),
			VersionPlan{Close: []int{1, 2, 0}, Reopen: []Placement{{0, kb}, {1, kc}}, Removed: 1}},
		{"replaced entry", abc, listed("a", "x", "c"),
			VersionPlan{Close: []int{1}, Insert: place(1, Between(ka, kc, 1)), Added: 1, Removed: 1}},
		{"durations said are summed", abc, timed,
			VersionPlan{DurationMS: 1000, HasDuration: true}},
		{"a zero duration is a duration", opened("a"), zero,
			VersionPlan{HasDuration: true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := PlanVersion(c.old, c.new)
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("plan\n got %+v\nwant %+v", got, c.want)
			}
		})
	}
}

// A version is written the way the database writes it: the old entries
// minus those closed, plus those re-opened and inserted. Read in order-key
// order it must be the new listing, descriptions included, whatever
// changed; and only entries whose place or description changed are
// written.
func TestPlanVersionRebuildsTheNewListing(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for round := range 500 {
		keys := make([]string, r.IntN(20))
		for i := range keys {
			keys[i] = fmt.Sprint(r.IntN(12)) // repeats, as smart playlists have
		}
		old := opened(keys...)
		cur := listed(keys...)
		for range r.IntN(6) {
			switch r.IntN(4) {
			case 0:
				if len(cur) > 0 {
					i := r.IntN(len(cur))
					cur = slices.Delete(cur, i, i+1)
				}
			case 1:
				cur = slices.Insert(cur, r.IntN(len(cur)+1), NewEntry{Key: fmt.Sprint(r.IntN(15)), Desc: 1})
			case 2:
				if len(cur) > 1 {
					i, j := r.IntN(len(cur)), r.IntN(len(cur))
					cur[i], cur[j] = cur[j], cur[i]
				}
			case 3:
				if len(cur) > 0 {
					cur[r.IntN(len(cur))].Desc = 2
				}
			}
		}
		p := PlanVersion(old, cur)

		type row struct {
			sortKey, key string
			desc         int64
		}
		closed := make([]bool, len(old))
		for _, i := range p.Close {
			if closed[i] {
				t.Fatalf("round %d: entry %d closed twice", round, i)
			}
			closed[i] = true
		}
		var rows []row
		for i, e := range old {
			if !closed[i] {
				rows = append(rows, row{e.SortKey, e.Key, e.Desc})
			}
		}
		for _, pl := range slices.Concat(p.Reopen, p.Insert) {
			if !ValidKey(pl.SortKey) {
				t.Fatalf("round %d: invalid order key %q", round, pl.SortKey)
			}
			rows = append(rows, row{pl.SortKey, cur[pl.Position].Key, cur[pl.Position].Desc})
		}
		slices.SortFunc(rows, func(a, b row) int { return strings.Compare(a.sortKey, b.sortKey) })
		if len(rows) != len(cur) {
			t.Fatalf("round %d: %d rows for %d items", round, len(rows), len(cur))
		}
		for j := range rows {
			if j > 0 && rows[j].sortKey == rows[j-1].sortKey {
				t.Fatalf("round %d: order key %q twice", round, rows[j].sortKey)
			}
			if rows[j].key != cur[j].Key || rows[j].desc != cur[j].Desc {
				t.Fatalf("round %d: position %d reads %s/%d, want %s/%d", round, j, rows[j].key, rows[j].desc, cur[j].Key, cur[j].Desc)
			}
		}
		oldKeys, newKeys := make([]string, len(old)), make([]string, len(cur))
		for i := range old {
			oldKeys[i] = old[i].Key
		}
		for j := range cur {
			newKeys[j] = cur[j].Key
		}
		a := Align(oldKeys, newKeys)
		changed := 0
		for j, kept := range a.Kept {
			if kept && cur[j].Desc != old[a.OldOf[j]].Desc {
				changed++
			}
		}
		if len(p.Insert) != len(cur)-a.Stayed || len(p.Reopen) != changed {
			t.Fatalf("round %d: %d inserted and %d re-opened, want %d and %d", round, len(p.Insert), len(p.Reopen),
				len(cur)-a.Stayed, changed)
		}
		if p.Added != a.Added() || p.Removed != a.Removed() || p.Moved != a.Moved() {
			t.Fatalf("round %d: counts %d/%d/%d, alignment says %d/%d/%d", round, p.Added, p.Removed, p.Moved,
				a.Added(), a.Removed(), a.Moved())
		}
	}
}
