package history

// Recording a version is planned here and only carried out by the database:
// which open entries end, which new ones are written under which order key,
// and the figures the version row holds. The plan reads nothing but the two
// listings, so it is the same whatever stores them.

// OpenEntry is an entry of a playlist's newest recorded version, as the
// plan needs it. Open entries are passed in order-key order.
type OpenEntry struct {
	Key     string // the entry's identity across versions (Item.Key)
	SortKey string // its order key
	// Desc addresses the track description the entry was recorded with:
	// equal addresses, equal descriptions.
	Desc int64
}

// NewEntry is an item of a playlist's new listing; its index in the
// listing is its position.
type NewEntry struct {
	Key  string // Item.Key
	Desc int64  // as OpenEntry.Desc
	// DurationMS is the item's duration when HasDuration: the server may
	// not say, and a version whose items never say has no duration.
	DurationMS  int64
	HasDuration bool
}

// Placement puts the new entry at Position under the order key SortKey.
type Placement struct {
	Position int
	SortKey  string
}

// VersionPlan is what recording a new version changes. Entries kept from
// the old version in their relative order and with the same description
// stay as they are and appear nowhere in the plan.
type VersionPlan struct {
	// Close lists the open entries (indexes into the old listing) that end
	// at the previous version: those kept with a changed description, in
	// new-listing order, then those not kept, in old order.
	Close []int
	// Reopen are the kept entries whose description changed: each starts
	// again under its old order key, so every version reads the
	// description it had. In new-listing order.
	Reopen []Placement
	// Insert are the new entries not kept from the old version (added, or
	// moved out of order): each run of them gets order keys between its
	// kept neighbours', so an insertion writes its own rows and no others.
	// In new-listing order.
	Insert []Placement
	// Added, Removed and Moved are the version's counts, as Alignment
	// reports them.
	Added, Removed, Moved int
	// DurationMS is the total of the new items' durations; HasDuration is
	// false when no item had one.
	DurationMS  int64
	HasDuration bool
}

// PlanVersion plans the version that follows old (the open entries of the
// newest version, in order-key order) when the playlist now lists new. Old
// and new are aligned by Align on their keys. old may be empty: then every
// entry is inserted under InitialKeys.
func PlanVersion(old []OpenEntry, new []NewEntry) VersionPlan {
	var p VersionPlan
	oldKeys := make([]string, len(old))
	for i := range old {
		oldKeys[i] = old[i].Key
	}
	newKeys := make([]string, len(new))
	for j := range new {
		newKeys[j] = new[j].Key
		if new[j].HasDuration {
			p.DurationMS += new[j].DurationMS
			p.HasDuration = true
		}
	}
	a := Align(oldKeys, newKeys)
	p.Added, p.Removed, p.Moved = a.Added(), a.Removed(), a.Moved()

	keptOld := make([]bool, len(old))
	for j, i := range a.OldOf {
		if !a.Kept[j] {
			continue
		}
		keptOld[i] = true
		if old[i].Desc != new[j].Desc {
			p.Close = append(p.Close, i)
			p.Reopen = append(p.Reopen, Placement{j, old[i].SortKey})
		}
	}
	for i := range old {
		if !keptOld[i] {
			p.Close = append(p.Close, i)
		}
	}
	lo := ""
	for j := 0; j < len(new); {
		if a.Kept[j] {
			lo = old[a.OldOf[j]].SortKey
			j++
			continue
		}
		end := j
		for end < len(new) && !a.Kept[end] {
			end++
		}
		hi := ""
		if end < len(new) {
			hi = old[a.OldOf[end]].SortKey
		}
		for n, k := range Between(lo, hi, end-j) {
			p.Insert = append(p.Insert, Placement{j + n, k})
		}
		j = end
	}
	return p
}

// InitialKeys returns the order keys of n entries of a version with no open
// entries before it (a first version, or one after every entry was gone):
// the keys PlanVersion would insert them under, for a caller that writes
// such a version without listing its entries one by one.
func InitialKeys(n int) []string {
	return Between("", "", n)
}
