package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"reflect"
	"strings"
	"testing"
)

// mutantsOf parses src (a whole file), optionally type-checks it (the
// snippets import nothing, so no importer is needed), and returns its
// mutants for one operator ("" for all).
func mutantsOf(t *testing.T, src string, typed bool, op string) []*Mutant {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parseFile(fset, "p/f.go", []byte(src))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	var info *types.Info
	if typed {
		info = &types.Info{Types: map[ast.Expr]types.TypeAndValue{}, Defs: map[*ast.Ident]types.Object{}, Uses: map[*ast.Ident]types.Object{}}
		if _, err := (&types.Config{}).Check("p", fset, []*ast.File{f}, info); err != nil {
			t.Fatalf("type-check: %v", err)
		}
	}
	var out []*Mutant
	for _, m := range fileMutants(fset, f, []byte(src), info, "/m/p/f.go", "p/f.go", "p") {
		if op == "" || m.Op == op {
			out = append(out, m)
		}
	}
	return out
}

// mutatedLines applies each mutant and returns the trimmed line holding
// the edit, checking that every mutated file still parses.
func mutatedLines(t *testing.T, src string, ms []*Mutant) []string {
	t.Helper()
	var got []string
	for _, m := range ms {
		out := string(m.Apply([]byte(src)))
		if _, err := parser.ParseFile(token.NewFileSet(), "f.go", out, 0); err != nil {
			t.Errorf("%s: mutated source does not parse: %v\n%s", m.Key, err, out)
		}
		line := strings.Count(out[:m.Start], "\n")
		got = append(got, strings.TrimSpace(strings.Split(out, "\n")[line]))
	}
	return got
}

func TestOperators(t *testing.T) {
	tests := []struct {
		name  string
		op    string
		typed bool
		body  string // the body of func f(a, b int, s, u string, ok bool, xs []int, err error) (int, error)
		want  []string
	}{
		{"eq", opNegate, false, "if a == b {\n}", []string{"if a != b {"}},
		{"neq", opNegate, false, "if err != nil {\n}", []string{"if err == nil {"}},
		{"lss", opNegate, false, "_ = a < b", []string{"_ = a >= b"}},
		{"gtr", opNegate, false, "_ = a > b", []string{"_ = a <= b"}},
		{"leq", opNegate, false, "_ = a <= b", []string{"_ = a > b"}},
		{"geq", opNegate, false, "_ = a >= b", []string{"_ = a < b"}},
		{"boundary lss", opBoundary, false, "_ = a < b", []string{"_ = a <= b"}},
		{"boundary leq", opBoundary, false, "_ = a <= b", []string{"_ = a < b"}},
		{"boundary gtr", opBoundary, false, "_ = a > b", []string{"_ = a >= b"}},
		{"boundary geq", opBoundary, false, "_ = a >= b", []string{"_ = a > b"}},
		{"boundary not on ==", opBoundary, false, "_ = a == b", nil},
		{"and", opLogical, false, "_ = ok && a > b", []string{"_ = ok || a > b"}},
		{"or", opLogical, false, "_ = ok || a > b", []string{"_ = ok && a > b"}},
		{"chain", opLogical, false, "_ = ok || ok && ok", []string{"_ = ok && ok && ok", "_ = ok || ok || ok"}},
		{"not", opNot, false, "_ = !ok", []string{"_ = ok"}},
		{"not paren", opNot, false, "_ = !(ok && ok)", []string{"_ = (ok && ok)"}},
		{"not spaced", opNot, false, "_ = ! ok", []string{"_ = ok"}},
		{"arith add", opArith, false, "_ = a + 1", []string{"_ = a - 1"}},
		{"arith sub", opArith, false, "_ = a - 1", []string{"_ = a + 1"}},
		{"arith mul", opArith, false, "_ = a * b", []string{"_ = a / b"}},
		{"arith quo", opArith, false, "_ = a / b", []string{"_ = a * b"}},
		{"arith string literal", opArith, false, `_ = s + "x"`, nil},
		{"arith string chain", opArith, false, `_ = s + "." + u`, nil},
		// Without types, `s + u` looks numeric; the mutant is then invalid
		// at compile time. With types it is recognized as concatenation.
		{"arith string vars untyped", opArith, false, "_ = s + u", []string{"_ = s - u"}},
		{"arith string vars typed", opArith, true, "_ = s + u", nil},
		{"arith typed numeric", opArith, true, "_ = a + b", []string{"_ = a - b"}},
		{"if cond", opIfCond, false, "if a > b {\n}", []string{"if false {", "if true {"}},
		{"if literal true", opIfCond, false, "if true {\n}", []string{"if false {"}},
		{"if with init", opIfCond, false, "if c := a; c > b {\n}", []string{"if c := a; false && (c > b) {", "if c := a; true || (c > b) {"}},
		{"else if", opIfCond, false, "if ok {\n} else if a > b {\n}", []string{"if false {", "if true {", "} else if false {", "} else if true {"}},
		{"stmt call", opStmt, false, "println(a)", []string{""}},
		{"stmt method", opStmt, false, "if ok {\n\tpanic(s)\n}", []string{""}},
		{"stmt not defer", opStmt, false, "defer println(a)", nil},
		{"stmt not go", opStmt, false, "go println(a)", nil},
		{"stmt not assign", opStmt, false, "_ = len(s)", nil},
		{"stmt not select recv", opStmt, false, "var ch chan int\nselect {\ncase <-ch:\n}", nil},
		{"return err", opReturn, false, "return 0, err", []string{"return 0, nil"}},
		{"return call", opReturn, false, "return a, errors.New(s)", []string{"return a, nil"}},
		{"return nil", opReturn, false, "return 0, nil", nil},
		{"return typed", opReturn, true, "return 0, err", []string{"return 0, nil"}},
		{"return in closure", opReturn, false, "g := func() error { return err }\n_ = g\nreturn 0, nil", []string{"g := func() error { return nil }"}},
		{"return closure non-error", opReturn, false, "g := func() (int, string) { return a, s }\n_ = g\nreturn 0, nil", nil},
		{"bool true", opBool, false, "ok = true", []string{"ok = false"}},
		{"bool false", opBool, false, "ok = false", []string{"ok = true"}},
		{"bool typed", opBool, true, "ok = true", []string{"ok = false"}},
		{"bool shadowed", opBool, false, "true := 1\n_ = true", nil},
		{"bool shadowed typed", opBool, true, "true := 1\n_ = true", nil},
		{"continue", opLoop, false, "for range xs {\n\tcontinue\n}", []string{"break"}},
		{"break", opLoop, false, "for {\n\tbreak\n}", []string{"continue"}},
		{"break in switch in loop", opLoop, false, "for {\n\tswitch {\n\tdefault:\n\t\tbreak\n\t}\n}", []string{"continue"}},
		{"break outside loop", opLoop, false, "switch {\ndefault:\n\tbreak\n}", nil},
		{"labelled", opLoop, false, "L:\n\tfor {\n\t\tbreak L\n\t}", nil},
		{"closure in loop", opLoop, false, "for {\n\tfunc() {\n\t\tswitch {\n\t\tdefault:\n\t\t\tbreak\n\t\t}\n\t}()\n}", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "package p\n\nfunc f(a, b int, s, u string, ok bool, xs []int, err error) (int, error) {\n" +
				indent(tt.body) + "\n\treturn 0, nil\n}\n"
			if tt.op == opReturn || strings.Contains(tt.body, "return") {
				src = "package p\n\nfunc f(a, b int, s, u string, ok bool, xs []int, err error) (int, error) {\n" + indent(tt.body) + "\n}\n"
			}
			if strings.Contains(tt.body, "errors.") {
				src = strings.Replace(src, "package p\n", "package p\n\nimport \"errors\"\n", 1)
			}
			if tt.typed {
				// Keep every parameter used so the type checker is happy.
				src = strings.Replace(src, ") {\n", ") {\n\t_, _, _, _, _, _, _ = a, b, s, u, ok, xs, err\n", 1)
			}
			got := mutatedLines(t, src, mutantsOf(t, src, tt.typed, tt.op))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("mutated lines = %q, want %q\nsource:\n%s", got, tt.want, src)
			}
		})
	}
}

func indent(body string) string {
	return "\t" + strings.ReplaceAll(body, "\n", "\n\t")
}

// TestMutantsCompileShape checks the whole set for one realistic function:
// every mutant is a single edit that parses, and keys are unique.
func TestMutantsUniqueAndParse(t *testing.T) {
	src := `package p

type Cache[T any] struct{ n int }

func (c *Cache[T]) Get(k string, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	for i := 0; i < c.n; i++ {
		if k == "" || i > 3 {
			continue
		}
	}
	if err != nil {
		return 0, err
	}
	return c.n * 2, nil
}

var x = 1 + 2
`
	ms := mutantsOf(t, src, true, "")
	mutatedLines(t, src, ms)
	keys := map[string]bool{}
	funcs := map[string]bool{}
	for _, m := range ms {
		if keys[m.Key] {
			t.Errorf("duplicate key %s", m.Key)
		}
		keys[m.Key] = true
		funcs[m.Func] = true
	}
	if !reflect.DeepEqual(funcs, map[string]bool{"Cache.Get": true, "(global)": true}) {
		t.Errorf("function names = %v", funcs)
	}
	for _, k := range []string{
		"p/f.go:Cache.Get:negate:err != nil→err == nil#0",
		"p/f.go:Cache.Get:negate:err != nil→err == nil#1",
		"p/f.go:Cache.Get:return-nil:return 0, err→return 0, nil#1",
		"p/f.go:Cache.Get:loop-break:continue→break#0",
		"p/f.go:Cache.Get:arith:c.n * 2→c.n / 2#0",
		"p/f.go:(global):arith:1 + 2→1 - 2#0",
	} {
		if !keys[k] {
			t.Errorf("missing key %s", k)
		}
	}
}

func TestGeneratedFilesSkipped(t *testing.T) {
	src := "// Code generated by x. DO NOT EDIT.\n\npackage p\n\nvar v = 1 > 2\n"
	if ms := mutantsOf(t, src, false, ""); len(ms) != 0 {
		t.Errorf("got %d mutants in a generated file", len(ms))
	}
}

func TestPositions(t *testing.T) {
	src := "package p\n\nfunc f(a int) bool {\n\treturn a < 1\n}\n"
	ms := mutantsOf(t, src, false, opNegate)
	if len(ms) != 1 {
		t.Fatalf("got %d mutants", len(ms))
	}
	if got := ms[0].Pos(); got != "p/f.go:4:11" {
		t.Errorf("Pos = %s, want p/f.go:4:11", got)
	}
	if ms[0].Start != strings.Index(src, "<") || ms[0].End != ms[0].Start+1 {
		t.Errorf("range = [%d,%d)", ms[0].Start, ms[0].End)
	}
}
