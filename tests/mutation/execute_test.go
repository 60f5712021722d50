package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeModule lays out a throwaway module: calc (mutated), calc/calctest
// (a fake, skipped), and use (not in the patterns, but its tests link calc
// and must run against calc's mutants).
func writeModule(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"go.mod": "module example.com/m\n\ngo 1.26\n",
		"calc/calc.go": `package calc

import "strings"

// Max is the larger of a and b.
func Max(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// Join concatenates; + on strings must not be mutated.
func Join(a, b string) string { return strings.TrimSpace(a + b) }
`,
		"calc/calc_test.go": `package calc

import "testing"

func TestMax(t *testing.T) {
	if Max(1, 2) != 2 {
		t.Fatal("Max(1, 2)")
	}
}
`,
		"calc/calctest/fake.go": "package calctest\n\nfunc Fake(a, b int) bool { return a > b }\n",
		"use/use.go":            "package use\n\nimport \"example.com/m/calc\"\n\nfunc Top(a int) int { return calc.Max(a, 0) }\n",
		"use/use_test.go": `package use

import "testing"

func TestTop(t *testing.T) {
	if Top(5) != 5 {
		t.Fatal("Top(5)")
	}
}
`,
		"equivalent.txt": "# test file\ncalc/calc.go:Max:boundary:a > b→a >= b#0  # a == b returns either, the same value\n" +
			"calc/calc.go:Max:not:!a→a#0  # stale: there is no such mutant\n",
	}
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestExecuteList(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	dir := writeModule(t)
	var stdout, stderr bytes.Buffer
	code, err := execute(context.Background(), &options{dir: dir, list: true, equivalent: filepath.Join(dir, "equivalent.txt"), patterns: []string{"./..."}}, &stdout, &stderr)
	if err != nil {
		t.Fatal(err, stderr.String())
	}
	out := stdout.String()
	if code != 1 || !strings.Contains(out, "1 stale entries") || !strings.Contains(out, "line 3: calc/calc.go:Max:not:!a→a#0") {
		t.Errorf("want exit 1 for the stale entry, got %d:\n%s", code, out)
	}
	if strings.Contains(out, "calctest") {
		t.Errorf("the calctest fake was mutated:\n%s", out)
	}
	// Type information (from export data) recognizes a + b as strings.
	if strings.Contains(out, "a - b") {
		t.Errorf("string concatenation was mutated:\n%s", out)
	}
	for _, want := range []string{
		"calc/calc.go:7:7\tcalc/calc.go:Max:negate:a > b→a <= b#0",
		"calc/calc.go:7:5\tcalc/calc.go:Max:if-cond:a > b→false#0",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("list lacks %q:\n%s", want, out)
		}
	}
	if !hasRow(out, "calc 4 mutants") {
		t.Errorf("list lacks the count for calc:\n%s", out)
	}
}

// hasRow reports whether some line of out has the same words as row,
// whatever the column padding.
func hasRow(out, row string) bool {
	want := strings.Join(strings.Fields(row), " ")
	for _, l := range strings.Split(out, "\n") {
		if strings.Join(strings.Fields(l), " ") == want {
			return true
		}
	}
	return false
}

func TestExecuteRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go test on every mutant")
	}
	dir := writeModule(t)
	var stdout, stderr bytes.Buffer
	outFile := filepath.Join(t.TempDir(), "report.txt")
	o := &options{dir: dir, jobs: 2, equivalent: filepath.Join(dir, "equivalent.txt"), out: outFile, min: 90, patterns: []string{"./calc"}}
	code, err := execute(context.Background(), o, &stdout, &stderr)
	if err != nil {
		t.Fatal(err, stderr.String())
	}
	out := stdout.String()
	// Mutants of Max: if-cond true and negate make Max(1, 2) == 1, caught
	// by calc's own test; if-cond false makes Top(5) = Max(5, 0) == 0,
	// caught only by the test in use, which shows the tests of reverse
	// dependencies ran; boundary (a >= b) is listed as equivalent.
	if !hasRow(out, "calc 3 0 1 0 0 100.0%") {
		t.Errorf("unexpected tally:\n%s\nstderr:\n%s", out, stderr.String())
	}
	if code != 1 || !strings.Contains(out, "1 stale entries") {
		t.Errorf("want exit 1 for the stale entry, got %d", code)
	}
	if !strings.Contains(stderr.String(), "[4/4]") {
		t.Errorf("no progress on stderr:\n%s", stderr.String())
	}
	if b, err := os.ReadFile(outFile); err != nil || string(b) != out {
		t.Errorf("-out file differs from stdout (%v)", err)
	}
}
