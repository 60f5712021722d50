package main

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCollapse(t *testing.T) {
	for in, want := range map[string]string{
		"a == b":               "a == b",
		"  a ==\n\t\tb  ":      "a == b",
		"f(x,\n\ty)":           "f(x, y)",
		"":                     "",
		"if x {\r\n\treturn }": "if x { return }",
	} {
		if got := collapse(in); got != want {
			t.Errorf("collapse(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestShorten(t *testing.T) {
	long := strings.Repeat("a", 50)
	tests := []struct {
		name, orig, mut   string
		wantOrig, wantMut string // exact result, when set
		origHas, mutHas   string // substrings the snippets must keep
	}{
		{name: "short unchanged", orig: "a == b", mut: "a != b", wantOrig: "a == b", wantMut: "a != b"},
		{name: "edit at the end stays visible", orig: long + " || " + long + " == b", mut: long + " || " + long + " != b", origHas: "a == b", mutHas: "a != b"},
		{name: "edit at the start stays visible", orig: "x == " + long + long, mut: "x != " + long + long, origHas: "x == a", mutHas: "x != a"},
		{name: "long edit is capped", orig: long + long + long, mut: "false", origHas: "aaa...", mutHas: "false"},
		{name: "utf8 boundaries", orig: strings.Repeat("é", 40) + " == b", mut: strings.Repeat("é", 40) + " != b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, m := shorten(tt.orig, tt.mut)
			if tt.wantOrig != "" && (o != tt.wantOrig || m != tt.wantMut) {
				t.Errorf("shorten = %q, %q; want %q, %q", o, m, tt.wantOrig, tt.wantMut)
			}
			if !strings.Contains(o, tt.origHas) || !strings.Contains(m, tt.mutHas) {
				t.Errorf("shorten = %q, %q; want them to contain %q, %q", o, m, tt.origHas, tt.mutHas)
			}
			for _, s := range []string{o, m} {
				if len(s) > snippetMax+2*len("...")+8 {
					t.Errorf("snippet %q is %d bytes", s, len(s))
				}
				if !utf8.ValidString(s) {
					t.Errorf("snippet %q is not valid UTF-8", s)
				}
			}
			if tt.orig != tt.mut && o == m && len(tt.orig) < 2*snippetMax {
				t.Errorf("the change is not visible: %q", o)
			}
		})
	}
}

func TestAssignKeysOccurrences(t *testing.T) {
	mk := func(fn, op, orig, mut string) *Mutant {
		return &Mutant{Rel: "p/f.go", Func: fn, Op: op, Orig: orig, Mut: mut}
	}
	ms := []*Mutant{
		mk("F", opNegate, "err != nil", "err == nil"),
		mk("F", opIfCond, "err != nil", "false"),
		mk("F", opNegate, "err != nil", "err == nil"),
		mk("G", opNegate, "err != nil", "err == nil"),
		mk("F", opNegate, "err != nil", "err == nil"),
	}
	assignKeys(ms)
	want := []string{
		"p/f.go:F:negate:err != nil→err == nil#0",
		"p/f.go:F:if-cond:err != nil→false#0",
		"p/f.go:F:negate:err != nil→err == nil#1",
		"p/f.go:G:negate:err != nil→err == nil#0",
		"p/f.go:F:negate:err != nil→err == nil#2",
	}
	for i, m := range ms {
		if m.Key != want[i] {
			t.Errorf("key %d = %s, want %s", i, m.Key, want[i])
		}
	}
}

// TestKeysStableUnderUnrelatedEdits is the point of the key design: a key
// in equivalent.txt must survive edits that move code around it.
func TestKeysStableUnderUnrelatedEdits(t *testing.T) {
	orig := `package p

func F(a, b int) bool {
	if a == b {
		return true
	}
	return a < b
}
`
	edited := `package p

import "strings"

// G is new, above F, and has mutants of its own.
func G(s string) bool {
	if s == "" {
		return false
	}
	return strings.HasPrefix(s, "x") && len(s) > 2
}

func F(a, b int) bool {

	// A comment, and a re-wrapped condition.
	if a ==
		b {
		return true
	}
	return a < b
}
`
	keysOf := func(src string) map[string]bool {
		keys := map[string]bool{}
		for _, m := range mutantsOf(t, src, false, "") {
			if m.Func == "F" {
				keys[m.Key] = true
			}
		}
		return keys
	}
	before, after := keysOf(orig), keysOf(edited)
	if len(before) == 0 {
		t.Fatal("no mutants in F")
	}
	for k := range before {
		if !after[k] {
			t.Errorf("key %s lost after an unrelated edit", k)
		}
	}
	if len(after) != len(before) {
		t.Errorf("F has %d mutants after the edit, %d before", len(after), len(before))
	}
}
