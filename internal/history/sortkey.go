package history

import "fmt"

// Order keys place a version's entries without positions: a kept entry keeps
// its key from one version to the next, and an inserted entry gets a key
// between its neighbours', so inserting at the front of 5,000 entries writes
// one row instead of renumbering 5,000. Keys are base-62 fractions in ASCII
// order (what SQLite's BINARY collation compares) and never end in the
// smallest digit, so there is always room between two of them.

const digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

func digitOf(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'A' <= c && c <= 'Z':
		return int(c-'A') + 10
	case 'a' <= c && c <= 'z':
		return int(c-'a') + 36
	}
	return -1
}

// ValidKey reports whether k is an order key Between can work with.
func ValidKey(k string) bool {
	if k == "" || k[len(k)-1] == digits[0] {
		return false
	}
	for i := 0; i < len(k); i++ {
		if digitOf(k[i]) < 0 {
			return false
		}
	}
	return true
}

// midpoint returns a key strictly between a and b; a "" is the lowest bound,
// and hasB false means no upper bound.
func midpoint(a, b string, hasB bool) string {
	if hasB {
		n := 0
		for n < len(b) {
			ca := byte(digits[0])
			if n < len(a) {
				ca = a[n]
			}
			if ca != b[n] {
				break
			}
			n++
		}
		if n > 0 {
			rest := ""
			if n < len(a) {
				rest = a[n:]
			}
			return b[:n] + midpoint(rest, b[n:], true)
		}
	}
	da := 0
	if a != "" {
		da = digitOf(a[0])
	}
	db := len(digits)
	if hasB {
		db = digitOf(b[0])
	}
	if db-da > 1 {
		return string(digits[(da+db+1)/2])
	}
	if hasB && len(b) > 1 {
		return b[:1]
	}
	rest := ""
	if len(a) > 1 {
		rest = a[1:]
	}
	return string(digits[da]) + midpoint(rest, "", false)
}

// Between returns n increasing keys strictly between lo and hi. lo "" means
// no lower bound, hi "" no upper bound. The keys stay short: n keys between
// two neighbours take about log62(n) more digits than they do.
func Between(lo, hi string, n int) []string {
	if lo != "" && hi != "" && lo >= hi {
		panic(fmt.Sprintf("history: order keys %q >= %q", lo, hi))
	}
	out := make([]string, 0, n)
	var fill func(lo, hi string, n int)
	fill = func(lo, hi string, n int) {
		if n == 0 {
			return
		}
		m := midpoint(lo, hi, hi != "")
		left := (n - 1) / 2
		fill(lo, m, left)
		out = append(out, m)
		fill(m, hi, n-1-left)
	}
	fill(lo, hi, n)
	return out
}
