package main

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

func TestTallyScore(t *testing.T) {
	mk := func(pkg string, s Status, equiv string) result {
		return result{M: &Mutant{Pkg: pkg}, Status: s, Equiv: equiv}
	}
	results := []result{
		mk("b", Killed, ""), mk("b", Timeout, ""), mk("b", Survived, ""), mk("b", Survived, "same"),
		mk("b", Invalid, ""), mk("a", Invalid, ""), mk("c", Killed, ""),
	}
	pkgs, by, total := tallies(results)
	if !reflect.DeepEqual(pkgs, []string{"a", "b", "c"}) {
		t.Errorf("pkgs = %v", pkgs)
	}
	if want := (tally{killed: 2, survived: 1, equivalent: 1, invalid: 1, timeouts: 1}); *by["b"] != want {
		t.Errorf("b = %+v, want %+v", *by["b"], want)
	}
	if pct, ok := by["b"].score(); !ok || pct < 66.6 || pct > 66.7 {
		t.Errorf("score(b) = %v, %v", pct, ok)
	}
	if _, ok := by["a"].score(); ok {
		t.Error("a package with only invalid mutants has no score")
	}
	if by["a"].scoreString() != "n/a" {
		t.Errorf("scoreString = %q", by["a"].scoreString())
	}
	if total.killed != 3 || total.invalid != 2 {
		t.Errorf("total = %+v", total)
	}
	if low := belowMin(results, 90); len(low) != 1 || !strings.HasPrefix(low[0], "b ") {
		t.Errorf("belowMin(90) = %q", low)
	}
	if low := belowMin(results, 0); len(low) != 0 {
		t.Errorf("belowMin(0) = %q", low)
	}
}

func TestDiffLines(t *testing.T) {
	src := []byte("package p\n\nfunc f() {\n\tif a &&\n\t\tb {\n\t}\n}\n")
	start := bytes.Index(src, []byte("a &&\n\t\tb"))
	m := &Mutant{Start: start, End: start + len("a &&\n\t\tb"), Repl: "false"}
	minus, plus := diffLines(src, m)
	if want := []string{"if a &&", "\tb {"}; !reflect.DeepEqual(minus, want) {
		t.Errorf("minus = %q, want %q", minus, want)
	}
	if want := []string{"if false {"}; !reflect.DeepEqual(plus, want) {
		t.Errorf("plus = %q, want %q", plus, want)
	}
}

func TestReportWrite(t *testing.T) {
	src := []byte("package p\n\nfunc F(a, b int) bool {\n\treturn a == b\n}\n")
	at := bytes.Index(src, []byte("=="))
	surv := &Mutant{Pkg: "p", File: "/m/p/f.go", Rel: "p/f.go", Func: "F", Op: opNegate, Start: at, End: at + 2,
		Repl: "!=", Line: 4, Col: 11, Key: "p/f.go:F:negate:a == b→a != b#0"}
	rp := &report{
		results: []result{
			{M: surv, Status: Survived},
			{M: &Mutant{Pkg: "p", Key: "k2"}, Status: Killed},
			{M: &Mutant{Pkg: "p", Key: "k3"}, Status: Survived, Equiv: "same"},
		},
		srcs:      map[string][]byte{"/m/p/f.go": src},
		stale:     []equivEntry{{Key: "p/f.go:G:not:!x→x#0", Line: 7}},
		equivPath: "equivalent.txt",
		notes:     []string{"3 mutants in 1s"},
	}
	var buf bytes.Buffer
	rp.write(&buf)
	out := buf.String()
	for _, want := range []string{
		"package  killed survived equivalent invalid timeouts   score",
		"p             1        1          1       0        0   50.0%",
		"total         1        1          1       0        0   50.0%",
		"1 survived",
		"p/f.go:4:11\n  p/f.go:F:negate:a == b→a != b#0\n    - return a == b\n    + return a != b\n",
		"1 stale entries in equivalent.txt",
		"line 7: p/f.go:G:not:!x→x#0",
		"note: 3 mutants in 1s",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "k3") {
		t.Errorf("an equivalent mutant is listed as a survivor:\n%s", out)
	}
}

func TestWriteList(t *testing.T) {
	ms := []*Mutant{
		{Pkg: "p", Rel: "p/f.go", Line: 1, Col: 2, Key: "k1"},
		{Pkg: "p", Rel: "p/f.go", Line: 3, Col: 4, Key: "k2"},
		{Pkg: "q", Rel: "q/g.go", Line: 5, Col: 6, Key: "k3"},
	}
	var buf bytes.Buffer
	writeList(&buf, ms)
	out := buf.String()
	for _, want := range []string{"p/f.go:1:2\tk1\n", "q/g.go:5:6\tk3\n", "p         2 mutants", "q         1 mutants", "total     3 mutants"} {
		if !strings.Contains(out, want) {
			t.Errorf("list lacks %q:\n%s", want, out)
		}
	}
}
