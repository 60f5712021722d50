package main

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseEquivalent(t *testing.T) {
	in := `# Equivalent mutants.

internal/config/config.go:Parse:negate:a == b→a != b#0  # both orders give the same set
  internal/p/f.go:F:stmt-remove:f("#1 x")→#3	#  a '#' inside the snippet
internal/p/f.go:F:bool-flip:true→false#12 # see issue #7
`
	got, err := parseEquivalent(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []equivEntry{
		{Key: "internal/config/config.go:Parse:negate:a == b→a != b#0", Reason: "both orders give the same set", Line: 3},
		{Key: `internal/p/f.go:F:stmt-remove:f("#1 x")→#3`, Reason: "a '#' inside the snippet", Line: 4},
		{Key: "internal/p/f.go:F:bool-flip:true→false#12", Reason: "see issue #7", Line: 5},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestParseEquivalentErrors(t *testing.T) {
	for name, in := range map[string]string{
		"no reason":     "p/f.go:F:negate:a == b→a != b#0\n",
		"empty reason":  "p/f.go:F:negate:a == b→a != b#0  #  \n",
		"no occurrence": "p/f.go:F:negate:a == b→a != b  # why\n",
		"duplicate":     "p/f.go:F:not:!x→x#0 # a\np/f.go:F:not:!x→x#0 # b\n",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := parseEquivalent(strings.NewReader(in)); err == nil {
				t.Errorf("no error for %q", in)
			}
		})
	}
}

func TestStaleEntries(t *testing.T) {
	entries := []equivEntry{
		{Key: "internal/a/a.go:F:not:!x→x#0", Line: 1},       // matches a mutant
		{Key: "internal/a/a.go:F:not:!y→y#0", Line: 2},       // in scope, no mutant: stale
		{Key: "internal/b/b.go:F:not:!x→x#0", Line: 3},       // package not mutated this run
		{Key: "internal/gone/g.go:F:not:!x→x#0", Line: 4},    // file deleted: stale
		{Key: "internal/a/deleted.go:F:not:!x→x#0", Line: 5}, // in scope, file deleted
	}
	keys := map[string]bool{"internal/a/a.go:F:not:!x→x#0": true}
	scope := map[string]bool{"internal/a": true}
	exists := func(rel string) bool { return rel == "internal/a/a.go" || rel == "internal/b/b.go" }
	var lines []int
	for _, e := range staleEntries(entries, keys, scope, exists) {
		lines = append(lines, e.Line)
	}
	if !reflect.DeepEqual(lines, []int{2, 4, 5}) {
		t.Errorf("stale lines = %v, want [2 4 5]", lines)
	}
}

func TestEquivalenceNotes(t *testing.T) {
	survivor := &Mutant{Key: "k1"}
	killed := &Mutant{Key: "k2"}
	other := &Mutant{Key: "k3"}
	results := []result{{M: survivor, Status: Survived}, {M: killed, Status: Killed}, {M: other, Status: Survived}}
	notes := equivalenceNotes(results, []equivEntry{{Key: "k1", Reason: "same", Line: 1}, {Key: "k2", Reason: "wrong", Line: 2}})
	if results[0].Equiv != "same" || results[1].Equiv != "" || results[2].Equiv != "" {
		t.Errorf("Equiv = %q, %q, %q", results[0].Equiv, results[1].Equiv, results[2].Equiv)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "line 2") || !strings.Contains(notes[0], "killed") {
		t.Errorf("notes = %q", notes)
	}
}
