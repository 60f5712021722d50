package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"sync"
	"time"
)

// Status is the outcome of running the tests against one mutant.
type Status int

const (
	Killed   Status = iota // a test failed
	Survived               // every test passed
	Invalid                // the mutant did not build; excluded from the score
	Timeout                // killed by the time limit; counts as killed
)

func (s Status) String() string {
	return [...]string{"killed", "survived", "invalid", "timeout"}[s]
}

var (
	buildFailed = regexp.MustCompile(`\[(build|setup) failed\]`)
	testTimeout = regexp.MustCompile(`(?m)^panic: test timed out after`)
	testFailed  = regexp.MustCompile(`(?m)^(--- FAIL|FAIL\s|FAIL$|panic: )`)
	failedTest  = regexp.MustCompile(`(?m)^\s*--- FAIL: (\S+)`)
	compileErr  = regexp.MustCompile(`(?m)^\S+\.go:\d+:\d+: .*$`)
)

// classify maps a finished `go test` to a status, with a short detail for
// the progress line. exitErr is Run's error (nil on exit status 0);
// timedOut is set when the tool killed the run. Build failures are checked
// before test failures because go test reports both as FAIL.
func classify(exitErr error, timedOut bool, out []byte) (Status, string) {
	switch {
	case timedOut:
		return Timeout, "time limit reached"
	case exitErr == nil:
		return Survived, ""
	case buildFailed.Match(out):
		if m := compileErr.Find(out); m != nil {
			return Invalid, string(m)
		}
		return Invalid, "build failed"
	case testTimeout.Match(out):
		return Timeout, "go test -timeout reached"
	case testFailed.Match(out):
		if m := failedTest.FindSubmatch(out); m != nil {
			return Killed, "by " + string(m[1])
		}
		return Killed, "test binary failed"
	}
	// A non-zero exit with neither a build nor a test failure is the go
	// command failing; it says nothing about the tests.
	return Invalid, "go test: " + firstLine(string(bytes.TrimSpace(out)))
}

// summaryLine matches go test's per-package result lines, e.g.
// "ok  \tpkg\t0.767s [no tests to run]" and "?   \tpkg\t[no test files]".
var summaryLine = regexp.MustCompile(`(?m)^(ok|\?)\s+(\S+)\s+(?:(\d+(?:\.\d+)?)s)?\s*(\[no test files\]|\[no tests to run\])?`)

// baseline is what the unmutated run tells about each package.
type baseline struct {
	dur     map[string]time.Duration // test binary run time
	noTests map[string]bool          // ran no test: cannot kill a mutant
}

func parseBaseline(out []byte) baseline {
	b := baseline{dur: map[string]time.Duration{}, noTests: map[string]bool{}}
	for _, m := range summaryLine.FindAllSubmatch(out, -1) {
		pkg := string(m[2])
		if secs, err := strconv.ParseFloat(string(m[3]), 64); err == nil {
			b.dur[pkg] = time.Duration(secs * float64(time.Second))
		}
		if len(m[4]) > 0 {
			b.noTests[pkg] = true
		}
	}
	return b
}

// runBaseline runs the unmutated tests once; mutation results mean nothing
// if they already fail.
func runBaseline(ctx context.Context, dir string, pkgs []string) (baseline, time.Duration, error) {
	start := time.Now()
	out, _, err := goTest(ctx, dir, 0, append([]string{"-count=1", "-vet=off"}, pkgs...)...)
	wall := time.Since(start)
	if err != nil {
		return baseline{}, wall, fmt.Errorf("baseline go test failed (%v); fix the tests before mutating:\n%s", err, out)
	}
	return parseBaseline(out), wall, nil
}

// testsFor is the package list to test a mutant of pkg with: pkg itself
// (so a build failure is always seen) and every package whose tests link
// it, minus those whose baseline ran no test, which cannot kill anything.
func testsFor(pkg string, rdeps map[string][]string, b baseline) []string {
	set := []string{pkg}
	for _, p := range rdeps[pkg] {
		if p != pkg && !b.noTests[p] {
			set = append(set, p)
		}
	}
	sort.Strings(set[1:])
	return set
}

// defaultTimeout is 3x the baseline test time of the packages plus 30s of
// headroom for compiling and linking the mutated test binaries.
func defaultTimeout(pkgs []string, b baseline) time.Duration {
	var sum time.Duration
	for _, p := range pkgs {
		sum += b.dur[p]
	}
	return 3*sum + 30*time.Second
}

// goTest runs `go test ARGS` in dir in its own process group, killing the
// whole group (go, compilers, test binaries) when the timeout expires or
// ctx is cancelled. timeout 0 means none. err is nil on exit status 0, an
// *exec.ExitError on other exits, or ctx's error when cancelled.
func goTest(ctx context.Context, dir string, timeout time.Duration, args ...string) (out []byte, timedOut bool, err error) {
	tctx, cancel := ctx, context.CancelFunc(func() {})
	if timeout > 0 {
		tctx, cancel = context.WithTimeout(ctx, timeout)
	}
	defer cancel()
	cmd := exec.CommandContext(tctx, "go", append([]string{"test"}, args...)...)
	cmd.Dir = dir
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	setProcessGroup(cmd)
	cmd.Cancel = func() error { return killProcessGroup(cmd) }
	// A test that leaves a child holding the output pipe must not hang us.
	cmd.WaitDelay = 5 * time.Second
	// The group is killed only through Cancel, while the go command is
	// still running: once it is reaped its pid (the group id) may be reused.
	err = cmd.Run()
	if ctx.Err() != nil {
		return buf.Bytes(), false, ctx.Err()
	}
	if errors.Is(tctx.Err(), context.DeadlineExceeded) {
		return buf.Bytes(), true, err
	}
	if errors.Is(err, exec.ErrWaitDelay) {
		err = nil // exited cleanly; only its output pipe lingered
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return buf.Bytes(), false, fmt.Errorf("go test: %w", err)
	}
	return buf.Bytes(), false, err
}

// result is one mutant's outcome.
type result struct {
	M      *Mutant
	Status Status
	Detail string
	Dur    time.Duration
	Equiv  string // the equivalent file's reason, when a survivor is listed
}

// job is what a worker needs to test one mutant.
type job struct {
	m       *Mutant
	pkgs    []string
	timeout time.Duration
}

// runMutants tests every job with `workers` concurrent go test processes.
// Mutants are applied through -overlay, so source files are never written
// and parallel runs cannot see each other's edits. Progress goes to
// progress as each finishes; results come back in job order.
func runMutants(ctx context.Context, dir, work string, jobs []job, srcs map[string][]byte, workers int, progress io.Writer) ([]result, error) {
	results := make([]result, len(jobs))
	next := make(chan int)
	var (
		mu       sync.Mutex
		done     int
		firstErr error
		wg       sync.WaitGroup
	)
	for range max(workers, 1) {
		wg.Go(func() {
			for i := range next {
				r, err := runOne(ctx, dir, filepath.Join(work, strconv.Itoa(i)), jobs[i], srcs[jobs[i].m.File])
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				results[i] = r
				done++
				if err == nil {
					fmt.Fprintf(progress, "[%d/%d] %-8s %s %s %s→%s (%s%s)\n", done, len(jobs), r.Status,
						r.M.Pos(), r.M.Op, r.M.Orig, r.M.Mut, r.Dur.Round(100*time.Millisecond), detail(r.Detail))
				}
				mu.Unlock()
			}
		})
	}
	for i := range jobs {
		mu.Lock()
		stop := firstErr != nil
		mu.Unlock()
		if stop || ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return results, ctx.Err()
}

func detail(s string) string {
	if s == "" {
		return ""
	}
	return "; " + s
}

// runOne writes the mutated file and its overlay under tmp, runs the
// tests, and removes tmp. An error means the tool, not the mutant, failed.
func runOne(ctx context.Context, dir, tmp string, j job, src []byte) (result, error) {
	r := result{M: j.m}
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return r, err
	}
	defer os.RemoveAll(tmp)
	mutated := filepath.Join(tmp, filepath.Base(j.m.File))
	if err := os.WriteFile(mutated, j.m.Apply(src), 0o644); err != nil {
		return r, err
	}
	overlay, err := json.Marshal(map[string]map[string]string{"Replace": {j.m.File: mutated}})
	if err != nil {
		return r, err
	}
	overlayFile := filepath.Join(tmp, "overlay.json")
	if err := os.WriteFile(overlayFile, overlay, 0o644); err != nil {
		return r, err
	}
	// Two stages: the mutated package's own tests first, then the other
	// packages whose tests link it, only if the mutant survived the first.
	// Most mutants die in their own package, and go test does not stop
	// other packages on a failure, so this skips most of the linking of
	// reverse dependencies' test binaries. The time limit covers both.
	stages := [][]string{j.pkgs[:1]}
	if len(j.pkgs) > 1 {
		stages = append(stages, j.pkgs[1:])
	}
	start := time.Now()
	for _, pkgs := range stages {
		left := j.timeout - time.Since(start)
		if left <= 0 {
			r.Status, r.Detail = Timeout, "time limit reached"
			break
		}
		// -vet=off: a vet complaint is not a failing test, and vet would
		// double the work. -timeout also arms the test binary's own alarm.
		args := []string{"-count=1", "-failfast", "-vet=off", "-overlay", overlayFile, "-timeout", left.String()}
		out, timedOut, err := goTest(ctx, dir, left, append(args, pkgs...)...)
		var exit *exec.ExitError
		if err != nil && !timedOut && !errors.As(err, &exit) {
			return r, err
		}
		r.Status, r.Detail = classify(err, timedOut, out)
		if r.Status != Survived {
			break
		}
	}
	r.Dur = time.Since(start)
	return r, nil
}
