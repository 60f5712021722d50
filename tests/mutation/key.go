package main

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// snippetMax bounds the original/mutated snippets embedded in a key. Keys
// are copied into equivalent.txt by hand, so they must stay readable, but
// they must also keep the changed text visible: shorten trims context
// around the change, never the change itself unless it alone is too long.
const snippetMax = 60

// collapse folds every run of white space into one space and trims the
// ends, so re-indenting or re-wrapping code does not change a key.
func collapse(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// shorten returns orig and mut cut down to about snippetMax bytes each.
// The common prefix and suffix are trimmed symmetrically (the same cut is
// applied to both strings) so the window always includes the edit.
func shorten(orig, mut string) (string, string) {
	if len(orig) <= snippetMax && len(mut) <= snippetMax {
		return orig, mut
	}
	p := 0 // common prefix length
	for p < len(orig) && p < len(mut) && orig[p] == mut[p] {
		p++
	}
	s := 0 // common suffix length, not overlapping the prefix
	for s < len(orig)-p && s < len(mut)-p && orig[len(orig)-1-s] == mut[len(mut)-1-s] {
		s++
	}
	diff := max(len(orig)-p-s, len(mut)-p-s)
	ctx := max((snippetMax-diff)/2, 8)
	lo := max(p-ctx, 0)
	hiO := min(len(orig)-s+ctx, len(orig))
	hiM := min(len(mut)-s+ctx, len(mut))
	// An edit longer than the budget (a long if-condition forced to
	// `false`) is cut too: the key stays short, and the occurrence index
	// still tells apart two conditions sharing their first 60 bytes.
	hiO = min(hiO, lo+snippetMax)
	hiM = min(hiM, lo+snippetMax)
	return clip(orig, lo, hiO), clip(mut, lo, hiM)
}

// clip returns s[lo:hi] with "..." marking each side that was cut. The
// bounds are moved to rune boundaries so a key is always valid UTF-8.
func clip(s string, lo, hi int) string {
	for lo > 0 && !utf8.RuneStart(s[lo]) {
		lo--
	}
	for hi < len(s) && !utf8.RuneStart(s[hi]) {
		hi++
	}
	out := s[lo:hi]
	if lo > 0 {
		out = "..." + out
	}
	if hi < len(s) {
		out += "..."
	}
	return out
}

// keyBase is the occurrence-free part of a mutant's identity. It names no
// line or column, so edits elsewhere in the file leave it unchanged.
func keyBase(rel, fn, op, orig, mut string) string {
	return fmt.Sprintf("%s:%s:%s:%s→%s", rel, fn, op, orig, mut)
}

// assignKeys fills Mutant.N and Mutant.Key. The mutants must be in source
// order; N counts earlier mutants with the same base, so two identical
// edits in one function (say two `err != nil` checks) stay distinct, and
// the key of one only moves when an identical one is added before it.
func assignKeys(ms []*Mutant) {
	seen := map[string]int{}
	for _, m := range ms {
		base := keyBase(m.Rel, m.Func, m.Op, m.Orig, m.Mut)
		m.N = seen[base]
		seen[base]++
		m.Key = fmt.Sprintf("%s#%d", base, m.N)
	}
}
