package history

import "sort"

// Alignment relates the entries of two versions of a playlist. Entries are
// identified by key; the k-th occurrence of a key in one version corresponds
// to its k-th occurrence in the other, which makes every entry unique and
// the longest common subsequence a longest increasing subsequence: O(n log n)
// however the playlist changed, where a general diff is quadratic on a
// shuffled 100,000-track smart playlist.
type Alignment struct {
	// OldOf[j] is the index in the old version of new entry j, or -1 when
	// the entry is new.
	OldOf []int
	// Kept[j] reports whether new entry j is part of the common
	// subsequence: present in both and still in the old relative order.
	Kept []bool
	// Common is how many entries are in both versions, Stayed how many of
	// those are kept in order.
	Common, Stayed int
	// OldLen is the length of the old version.
	OldLen int
}

// Added is the number of entries only the new version has.
func (a *Alignment) Added() int { return len(a.OldOf) - a.Common }

// Removed is the number of entries only the old version has.
func (a *Alignment) Removed() int { return a.OldLen - a.Common }

// Moved is the number of entries in both versions but out of their old
// relative order.
func (a *Alignment) Moved() int { return a.Common - a.Stayed }

// Align aligns the new keys against the old ones.
func Align(old, new []string) *Alignment {
	type occ struct {
		key string
		n   int
	}
	at := make(map[occ]int, len(old))
	seen := make(map[string]int, len(old))
	for i, k := range old {
		n := seen[k]
		seen[k] = n + 1
		at[occ{k, n}] = i
	}
	a := &Alignment{OldOf: make([]int, len(new)), Kept: make([]bool, len(new)), OldLen: len(old)}
	clear(seen)
	for j, k := range new {
		n := seen[k]
		seen[k] = n + 1
		i, ok := at[occ{k, n}]
		if !ok {
			a.OldOf[j] = -1
			continue
		}
		a.OldOf[j] = i
		a.Common++
	}
	// Longest increasing subsequence of OldOf (ignoring -1), by patience
	// sorting with back links.
	var tails []int // tails[l] = index j ending the best run of length l+1
	prev := make([]int, len(new))
	for j, i := range a.OldOf {
		if i < 0 {
			continue
		}
		l := sort.Search(len(tails), func(l int) bool { return a.OldOf[tails[l]] >= i })
		if l > 0 {
			prev[j] = tails[l-1]
		} else {
			prev[j] = -1
		}
		if l == len(tails) {
			tails = append(tails, j)
		} else {
			tails[l] = j
		}
	}
	if len(tails) > 0 {
		for j := tails[len(tails)-1]; j >= 0; j = prev[j] {
			a.Kept[j] = true
			a.Stayed++
		}
	}
	return a
}

// Keys returns the entry keys of items, for Align.
func Keys(items []Item) []string {
	out := make([]string, len(items))
	for i := range items {
		out[i] = items[i].Key()
	}
	return out
}

// Change is one line of a diff.
type Change struct {
	Op   string `json:"op"` // added, removed, moved
	Item Item   `json:"item"`
	// From and To are the positions in the old and new version; From is -1
	// for an added entry, To is -1 for a removed one.
	From int `json:"from"`
	To   int `json:"to"`
}

// Diff lists what turns old into new: entries added, removed, and kept but
// moved out of their relative order, each in the order of the version it
// belongs to (removed entries by their old position).
type Diff struct {
	Added, Removed, Moved []Change
}

// Compare diffs two versions' items.
func Compare(old, new []Item) Diff {
	a := Align(Keys(old), Keys(new))
	var d Diff
	inNew := make([]bool, len(old))
	for j, i := range a.OldOf {
		switch {
		case i < 0:
			d.Added = append(d.Added, Change{Op: "added", Item: new[j], From: -1, To: j})
		case a.Kept[j]:
			inNew[i] = true
		default:
			inNew[i] = true
			d.Moved = append(d.Moved, Change{Op: "moved", Item: new[j], From: i, To: j})
		}
	}
	for i := range old {
		if !inNew[i] {
			d.Removed = append(d.Removed, Change{Op: "removed", Item: old[i], From: i, To: -1})
		}
	}
	return d
}
