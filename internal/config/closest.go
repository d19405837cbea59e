package config

// Closest is closest for the other "did you mean" hints, such as the CLI's
// for a mistyped command.
func Closest(s string, candidates []string) string { return closest(s, candidates) }

// closest returns the candidate within a small edit distance of s, for
// "did you mean" hints, or "" when nothing is close enough to be a typo.
func closest(s string, candidates []string) string {
	// Beyond this many edits it is a different word, not a typo; short
	// keys get less slack or "foo" would suggest "log".
	limit := 2
	if len(s) <= 4 {
		limit = 1
	}
	best, bestDist := "", limit+1
	for _, c := range candidates {
		if d := EditDistance(s, c); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// EditDistance is the Levenshtein distance over runes, with two swapped
// neighbours counted as one edit: "sycn" is one typo away from "sync", not
// two. Config keys, command names and playlist titles share it.
func EditDistance(s, t string) int {
	a, b := []rune(s), []rune(t)
	// Rows i-2, i-1 and i of the table.
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
