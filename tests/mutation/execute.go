package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// execute is the whole run: enumerate, check the equivalent file, run the
// baseline, test every mutant, report. It returns the exit code; an error
// means the tool could not do its job (exit 2).
func execute(ctx context.Context, o *options, stdout, stderr io.Writer) (int, error) {
	dir, err := filepath.Abs(o.dir)
	if err != nil {
		return 2, err
	}
	targets, exports, err := resolve(ctx, dir, o.patterns)
	if err != nil {
		return 2, err
	}
	all, srcs, err := enumerate(targets, exports)
	if err != nil {
		return 2, err
	}

	var entries []equivEntry
	equivPath := ""
	if o.equivalent != "" {
		equivPath = locate(o.equivalent, dir)
		if entries, err = readEquivalent(equivPath); err != nil {
			return 2, err
		}
	}
	keys := map[string]bool{}
	for _, m := range all {
		keys[m.Key] = true
	}
	scope := map[string]bool{}
	importPath := map[string]string{} // package rel dir -> import path
	for _, t := range targets {
		scope[t.Rel] = true
		importPath[t.Rel] = t.ImportPath
	}
	modDir := targets[0].ModDir
	stale := staleEntries(entries, keys, scope, func(rel string) bool {
		_, err := os.Stat(filepath.Join(modDir, filepath.FromSlash(rel)))
		return err == nil
	})
	code := 0
	if len(stale) > 0 {
		code = 1
	}

	ms := all
	if o.run != nil {
		ms = nil
		for _, m := range all {
			if o.run.MatchString(m.Key) {
				ms = append(ms, m)
			}
		}
	}
	if o.list {
		writeList(stdout, ms)
		(&report{stale: stale, equivPath: equivPath}).writeStale(stdout)
		return code, nil
	}
	if len(ms) == 0 {
		return 2, fmt.Errorf("no mutants to test")
	}

	rdeps, err := testGraph(ctx, dir)
	if err != nil {
		return 2, err
	}
	affected := map[string]bool{}
	for _, m := range ms {
		p := importPath[m.Pkg]
		affected[p] = true
		for _, q := range rdeps[p] {
			affected[q] = true
		}
	}
	fmt.Fprintf(stderr, "mutation: %d mutants; baseline go test of %d packages\n", len(ms), len(affected))
	base, wall, err := runBaseline(ctx, dir, sortedKeys(affected))
	if err != nil {
		return 2, err
	}
	fmt.Fprintf(stderr, "mutation: baseline passed in %s\n", wall.Round(100*time.Millisecond))

	jobs := make([]job, len(ms))
	for i, m := range ms {
		pkgs := testsFor(importPath[m.Pkg], rdeps, base)
		t := o.timeout
		if t <= 0 {
			t = defaultTimeout(pkgs, base)
		}
		jobs[i] = job{m: m, pkgs: pkgs, timeout: t}
	}
	work, err := os.MkdirTemp("", "mutation-")
	if err != nil {
		return 2, err
	}
	defer os.RemoveAll(work)
	start := time.Now()
	results, err := runMutants(ctx, dir, work, jobs, srcs, o.jobs, stderr)
	if err != nil {
		return 2, err
	}
	elapsed := time.Since(start)

	rp := &report{results: results, srcs: srcs, stale: stale, equivPath: equivPath}
	rp.notes = equivalenceNotes(results, entries)
	rp.notes = append(rp.notes, fmt.Sprintf("%d mutants in %s with -j %d (%.1fs per mutant per worker)",
		len(results), elapsed.Round(time.Second), o.jobs, elapsed.Seconds()*float64(max(o.jobs, 1))/float64(len(results))))
	rp.write(stdout)
	if o.out != "" {
		f, err := os.Create(o.out)
		if err != nil {
			return 2, err
		}
		rp.write(f)
		if err := f.Close(); err != nil {
			return 2, err
		}
	}
	if low := belowMin(results, o.min); len(low) > 0 {
		fmt.Fprintf(stderr, "mutation: score below -min %g: %s\n", o.min, strings.Join(low, ", "))
		code = 1
	}
	if len(stale) > 0 {
		fmt.Fprintf(stderr, "mutation: %d stale entries in %s\n", len(stale), equivPath)
	}
	return code, nil
}

// equivalenceNotes marks listed survivors as equivalent (in place) and
// returns notes for listed mutants that did not survive: such an entry is
// wrong, or the code changed so that a test now tells the difference.
func equivalenceNotes(results []result, entries []equivEntry) []string {
	byKey := map[string]equivEntry{}
	for _, e := range entries {
		byKey[e.Key] = e
	}
	var notes []string
	for i, r := range results {
		e, ok := byKey[r.M.Key]
		if !ok {
			continue
		}
		if r.Status == Survived {
			results[i].Equiv = e.Reason
			continue
		}
		notes = append(notes, fmt.Sprintf("line %d lists %s as equivalent, but it was %s; remove the entry", e.Line, r.M.Key, r.Status))
	}
	return notes
}

// enumerate parses and type-checks every target and lists its mutants.
// It also returns the original sources by absolute path: mutants are
// applied to these bytes, so a file edited during a run cannot skew it.
func enumerate(targets []*target, exports map[string]string) ([]*Mutant, map[string][]byte, error) {
	srcs := map[string][]byte{}
	var all []*Mutant
	for _, t := range targets {
		p, err := parseTarget(t)
		if err != nil {
			return nil, nil, err
		}
		info := typeCheck(t, p, exports)
		for i, f := range p.files {
			abs := t.Files[i]
			rel, err := filepath.Rel(t.ModDir, abs)
			if err != nil {
				return nil, nil, err
			}
			srcs[abs] = p.srcs[i]
			all = append(all, fileMutants(p.fset, f, p.srcs[i], info, abs, filepath.ToSlash(rel), t.Rel)...)
		}
	}
	return all, srcs, nil
}

// locate resolves a relative input path against the working directory,
// then against the module directory, so both `-equivalent equivalent.txt`
// (from tests/mutation) and `-equivalent tests/mutation/equivalent.txt`
// (relative to -C) work.
func locate(name, dir string) string {
	if filepath.IsAbs(name) {
		return name
	}
	if fileExists(name) {
		return name
	}
	if alt := filepath.Join(dir, name); fileExists(alt) {
		return alt
	}
	return name
}

func fileExists(name string) bool {
	_, err := os.Stat(name)
	return err == nil
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
