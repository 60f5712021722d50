package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/importer"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// listPkg is the subset of `go list -json` output the tool reads. The go
// command is the authority on build tags, file sets and module layout, so
// the tool never walks directories itself.
type listPkg struct {
	ImportPath string
	Name       string
	Dir        string
	GoFiles    []string
	CgoFiles   []string
	Export     string
	DepOnly    bool
	ForTest    string
	Deps       []string
	ImportMap  map[string]string
	Module     *struct {
		Path, Dir string
	}
	Error *struct{ Err string }
}

// goList runs `go list ARGS` in dir and decodes its stream of JSON objects.
func goList(ctx context.Context, dir string, args ...string) ([]listPkg, error) {
	cmd := exec.CommandContext(ctx, "go", append([]string{"list"}, args...)...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	var pkgs []listPkg
	for dec := json.NewDecoder(bytes.NewReader(out)); ; {
		var p listPkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			return pkgs, nil
		} else if err != nil {
			return nil, fmt.Errorf("go list %s: decoding: %v", strings.Join(args, " "), err)
		}
		pkgs = append(pkgs, p)
	}
}

// target is one package whose non-test files are mutated.
type target struct {
	ImportPath string
	Dir        string
	Rel        string // Dir relative to the module root, slash-separated
	ModDir     string
	Files      []string // absolute paths of the non-test .go files
	ImportMap  map[string]string
}

// resolve expands the patterns into targets, and returns the export data
// files of every dependency so the targets can be type-checked without
// re-type-checking the standard library from source. Export data needs a
// build; if that fails the exports map is empty and typeCheck returns nil,
// so mutation still works from syntax alone.
func resolve(ctx context.Context, dir string, patterns []string) ([]*target, map[string]string, error) {
	fields := "-json=ImportPath,Dir,GoFiles,CgoFiles,Export,DepOnly,ImportMap,Module,Error"
	pkgs, err := goList(ctx, dir, append([]string{"-e", "-deps", "-export", fields}, patterns...)...)
	if err != nil {
		fmt.Fprintf(os.Stderr, "mutation: no export data (%v); type information disabled\n", firstLine(err.Error()))
		if pkgs, err = goList(ctx, dir, append([]string{"-e", fields}, patterns...)...); err != nil {
			return nil, nil, err
		}
	}
	exports := map[string]string{}
	var targets []*target
	for _, p := range pkgs {
		if p.Export != "" {
			exports[p.ImportPath] = p.Export
		}
		if p.DepOnly {
			continue
		}
		if p.Error != nil {
			return nil, nil, fmt.Errorf("package %s: %s", p.ImportPath, p.Error.Err)
		}
		if skipPackage(p.ImportPath, p.Dir) {
			continue
		}
		if p.Module == nil {
			return nil, nil, fmt.Errorf("package %s is not in a module", p.ImportPath)
		}
		if len(p.CgoFiles) > 0 {
			fmt.Fprintf(os.Stderr, "mutation: %s: cgo files are not mutated (overlays do not support them)\n", p.ImportPath)
		}
		rel, err := filepath.Rel(p.Module.Dir, p.Dir)
		if err != nil {
			return nil, nil, err
		}
		t := &target{ImportPath: p.ImportPath, Dir: p.Dir, Rel: filepath.ToSlash(rel), ModDir: p.Module.Dir, ImportMap: p.ImportMap}
		for _, f := range p.GoFiles {
			t.Files = append(t.Files, filepath.Join(p.Dir, f))
		}
		targets = append(targets, t)
	}
	if len(targets) == 0 {
		return nil, nil, fmt.Errorf("no packages to mutate match %s", strings.Join(patterns, " "))
	}
	return targets, exports, nil
}

// skipPackage drops test helpers (import path ending in "test", such as
// jujutest or workloadtest: fakes whose mutants only test the tests) and
// anything under a testdata directory.
func skipPackage(importPath, dir string) bool {
	if strings.HasSuffix(importPath, "test") {
		return true
	}
	return slices.Contains(strings.Split(filepath.ToSlash(dir), "/"), "testdata")
}

// parsed is a target's files, parsed once and shared by enumeration and the
// type checker.
type parsed struct {
	fset  *token.FileSet
	files []*ast.File
	srcs  [][]byte
}

func parseTarget(t *target) (*parsed, error) {
	p := &parsed{fset: token.NewFileSet()}
	for _, name := range t.Files {
		src, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		f, err := parseFile(p.fset, name, src)
		if err != nil {
			return nil, err
		}
		p.files = append(p.files, f)
		p.srcs = append(p.srcs, src)
	}
	return p, nil
}

// typeCheck returns type information for a target, or nil (with a note on
// stderr) when it cannot be had; operators then use syntax only.
func typeCheck(t *target, p *parsed, exports map[string]string) *types.Info {
	if len(exports) == 0 {
		return nil
	}
	gc := importer.ForCompiler(p.fset, "gc", func(path string) (io.ReadCloser, error) {
		if f, ok := exports[path]; ok {
			return os.Open(f)
		}
		return nil, fmt.Errorf("no export data for %s", path)
	})
	conf := types.Config{
		Importer: importFunc(func(path string) (*types.Package, error) {
			if m, ok := t.ImportMap[path]; ok {
				path = m
			}
			return gc.Import(path)
		}),
		Error: func(error) {}, // collect all; the first is returned by Check
	}
	info := &types.Info{
		Types: map[ast.Expr]types.TypeAndValue{},
		Defs:  map[*ast.Ident]types.Object{},
		Uses:  map[*ast.Ident]types.Object{},
	}
	if _, err := conf.Check(t.ImportPath, p.fset, p.files, info); err != nil {
		// Partial information would silently skip operators on every
		// expression whose type came out invalid; syntax is more honest.
		fmt.Fprintf(os.Stderr, "mutation: type-checking %s: %v; using syntax only\n", t.ImportPath, err)
		return nil
	}
	return info
}

type importFunc func(string) (*types.Package, error)

func (f importFunc) Import(path string) (*types.Package, error) { return f(path) }

// testGraph maps each package of the module in dir to the packages of the
// module whose `go test` links it: the package itself plus every package
// whose test binary's dependency closure contains it.
func testGraph(ctx context.Context, dir string) (map[string][]string, error) {
	pkgs, err := goList(ctx, dir, "-e", "-test", "-json=ImportPath,Name,ForTest,Deps", "./...")
	if err != nil {
		return nil, err
	}
	return reverseTestDeps(pkgs), nil
}

// reverseTestDeps is testGraph's pure part. `go list -test` prints, for a
// package P with tests, a synthesized main package "P.test" whose Deps are
// everything its test binary links, with recompiled variants spelled
// "Q [P.test]"; packages without tests only have their plain Deps.
func reverseTestDeps(pkgs []listPkg) map[string][]string {
	closure := map[string][]string{}
	plain := map[string][]string{}
	for _, p := range pkgs {
		switch {
		case p.ForTest != "" || strings.Contains(p.ImportPath, " "):
			// A test variant; the .test main lists its deps.
		case p.Name == "main" && strings.HasSuffix(p.ImportPath, ".test"):
			owner := strings.TrimSuffix(p.ImportPath, ".test")
			closure[owner] = append([]string{owner}, p.Deps...)
		default:
			plain[p.ImportPath] = append([]string{p.ImportPath}, p.Deps...)
		}
	}
	for owner, deps := range plain {
		if _, ok := closure[owner]; !ok {
			closure[owner] = deps
		}
	}
	rev := map[string][]string{}
	for owner, deps := range closure {
		if _, ok := plain[owner]; !ok {
			continue // a .test main whose package was not listed: not ours
		}
		seen := map[string]bool{}
		for _, d := range deps {
			d, _, _ = strings.Cut(d, " ") // "Q [P.test]" -> "Q"
			if !seen[d] {
				seen[d] = true
				rev[d] = append(rev[d], owner)
			}
		}
	}
	for d := range rev {
		sort.Strings(rev[d])
	}
	return rev
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
