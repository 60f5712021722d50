package main

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"strings"
)

// tally counts outcomes. killed includes timeouts: a mutant that makes the
// tests hang is detected, so it counts toward the score, but timeouts are
// also shown on their own because a hang is slow and worth a look.
type tally struct {
	killed, survived, equivalent, invalid, timeouts int
}

func (t *tally) add(r result) {
	switch {
	case r.Status == Killed:
		t.killed++
	case r.Status == Timeout:
		t.killed++
		t.timeouts++
	case r.Status == Invalid:
		t.invalid++
	case r.Equiv != "":
		t.equivalent++
	default:
		t.survived++
	}
}

// score is killed/(killed+survived) in percent; ok is false when nothing
// was scored (every mutant invalid or equivalent).
func (t tally) score() (pct float64, ok bool) {
	n := t.killed + t.survived
	if n == 0 {
		return 0, false
	}
	return 100 * float64(t.killed) / float64(n), true
}

func (t tally) scoreString() string {
	if pct, ok := t.score(); ok {
		return fmt.Sprintf("%.1f%%", pct)
	}
	return "n/a"
}

// tallies groups results by package, in package order.
func tallies(results []result) (pkgs []string, by map[string]*tally, total tally) {
	by = map[string]*tally{}
	for _, r := range results {
		t, ok := by[r.M.Pkg]
		if !ok {
			t = &tally{}
			by[r.M.Pkg] = t
			pkgs = append(pkgs, r.M.Pkg)
		}
		t.add(r)
		total.add(r)
	}
	sort.Strings(pkgs)
	return pkgs, by, total
}

// belowMin lists the packages whose score is under min (0 disables).
func belowMin(results []result, min float64) []string {
	var low []string
	pkgs, by, _ := tallies(results)
	for _, p := range pkgs {
		if pct, ok := by[p].score(); ok && pct < min {
			low = append(low, fmt.Sprintf("%s (%.1f%% < %g%%)", p, pct, min))
		}
	}
	return low
}

// report is everything the final report shows.
type report struct {
	results   []result
	srcs      map[string][]byte // original sources, for diff snippets
	stale     []equivEntry
	equivPath string
	notes     []string
}

func (rp *report) write(w io.Writer) {
	pkgs, by, total := tallies(rp.results)
	width := len("package")
	for _, p := range pkgs {
		width = max(width, len(p))
	}
	row := func(name string, t tally) {
		fmt.Fprintf(w, "%-*s %7d %8d %10d %7d %8d %7s\n", width, name,
			t.killed, t.survived, t.equivalent, t.invalid, t.timeouts, t.scoreString())
	}
	fmt.Fprintf(w, "%-*s %7s %8s %10s %7s %8s %7s\n", width, "package",
		"killed", "survived", "equivalent", "invalid", "timeouts", "score")
	for _, p := range pkgs {
		row(p, *by[p])
	}
	row("total", total)
	fmt.Fprintln(w, "(score = killed/(killed+survived); killed includes timeouts; invalid = did not build)")

	var survivors []result
	for _, r := range rp.results {
		if r.Status == Survived && r.Equiv == "" {
			survivors = append(survivors, r)
		}
	}
	sort.SliceStable(survivors, func(i, j int) bool {
		a, b := survivors[i].M, survivors[j].M
		if a.Rel != b.Rel {
			return a.Rel < b.Rel
		}
		return a.Start < b.Start
	})
	if len(survivors) > 0 {
		fmt.Fprintf(w, "\n%d survived (add a key to the equivalent file only if no test could tell):\n", len(survivors))
	}
	for _, r := range survivors {
		fmt.Fprintf(w, "\n%s\n  %s\n", r.M.Pos(), r.M.Key)
		minus, plus := diffLines(rp.srcs[r.M.File], r.M)
		for _, l := range minus {
			fmt.Fprintf(w, "    - %s\n", l)
		}
		for _, l := range plus {
			fmt.Fprintf(w, "    + %s\n", l)
		}
	}
	rp.writeStale(w)
	if len(rp.notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range rp.notes {
			fmt.Fprintf(w, "note: %s\n", n)
		}
	}
}

// writeStale lists equivalent-file entries that match no mutant.
func (rp *report) writeStale(w io.Writer) {
	if len(rp.stale) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%d stale entries in %s (they match no mutant any more; remove or update them):\n", len(rp.stale), rp.equivPath)
	for _, e := range rp.stale {
		fmt.Fprintf(w, "  line %d: %s\n", e.Line, e.Key)
	}
}

// diffLines returns the whole source lines touched by a mutant, before
// and after, dedented by the first line's indentation and capped so one
// long if-condition does not flood the report.
func diffLines(src []byte, m *Mutant) (minus, plus []string) {
	if src == nil {
		return nil, nil
	}
	ls := bytes.LastIndexByte(src[:m.Start], '\n') + 1
	le := len(src)
	if i := bytes.IndexByte(src[m.End:], '\n'); i >= 0 {
		le = m.End + i
	}
	orig := string(src[ls:le])
	mut := string(src[ls:m.Start]) + m.Repl + string(src[m.End:le])
	indent := orig[:len(orig)-len(strings.TrimLeft(orig, " \t"))]
	return lines(orig, indent), lines(mut, indent)
}

func lines(s, indent string) []string {
	const maxLines = 6
	ls := strings.Split(s, "\n")
	for i, l := range ls {
		ls[i] = strings.TrimRight(strings.TrimPrefix(l, indent), " \t")
	}
	if len(ls) > maxLines {
		ls = append(ls[:maxLines], "...")
	}
	return ls
}

// writeList prints the mutants without running them (-list), then counts
// per package, so a change to the operators can be reviewed quickly.
func writeList(w io.Writer, ms []*Mutant) {
	counts := map[string]int{}
	var pkgs []string
	for _, m := range ms {
		fmt.Fprintf(w, "%s\t%s\n", m.Pos(), m.Key)
		if counts[m.Pkg] == 0 {
			pkgs = append(pkgs, m.Pkg)
		}
		counts[m.Pkg]++
	}
	sort.Strings(pkgs)
	fmt.Fprintln(w)
	width := len("total")
	for _, p := range pkgs {
		width = max(width, len(p))
	}
	for _, p := range pkgs {
		fmt.Fprintf(w, "%-*s %5d mutants\n", width, p, counts[p])
	}
	fmt.Fprintf(w, "%-*s %5d mutants\n", width, "total", len(ms))
}
