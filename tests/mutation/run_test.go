package main

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestClassify(t *testing.T) {
	exit1 := errors.New("exit status 1")
	tests := []struct {
		name       string
		err        error
		timedOut   bool
		out        string
		want       Status
		wantDetail string
	}{
		{"pass", nil, false, "ok  \tgithub.com/x/p\t0.005s\n", Survived, ""},
		{"pass without tests", nil, false, "?   \tgithub.com/x/p\t[no test files]\n", Survived, ""},
		{"compile error", exit1, false, "# github.com/x/p\n/tmp/m/1/h.go:18:20: declared and not used: unused\nFAIL\tgithub.com/x/p [build failed]\nFAIL\n",
			Invalid, "/tmp/m/1/h.go:18:20: declared and not used: unused"},
		{"setup failed", exit1, false, "FAIL\tgithub.com/x/p [setup failed]\nFAIL\n", Invalid, "build failed"},
		{"build failure beats test failure", exit1, false, "--- FAIL: TestA (0.00s)\nFAIL\tgithub.com/x/q\t0.01s\nFAIL\tgithub.com/x/p [build failed]\n", Invalid, "build failed"},
		{"test failure", exit1, false, "--- FAIL: TestData (0.00s)\n    hostinfo_test.go:14: \n        \tError: Not equal\nFAIL\nFAIL\tgithub.com/x/p\t0.005s\nFAIL\n", Killed, "by TestData"},
		{"subtest failure", exit1, false, "--- FAIL: TestA (0.00s)\n    --- FAIL: TestA/b (0.00s)\nFAIL\n", Killed, "by TestA"},
		{"panic", exit1, false, "panic: runtime error: index out of range [3] with length 3\n\ngoroutine 7 [running]:\nFAIL\tgithub.com/x/p\t0.01s\n", Killed, "test binary failed"},
		{"test binary timeout", exit1, false, "panic: test timed out after 30s\n\trunning tests:\n\t\tTestA (30s)\nFAIL\tgithub.com/x/p\t30.01s\n", Timeout, "go test -timeout reached"},
		{"killed by the tool", errors.New("signal: killed"), true, "", Timeout, "time limit reached"},
		{"go command failure", exit1, false, "go: updates to go.mod needed\n", Invalid, "go test: go: updates to go.mod needed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, detail := classify(tt.err, tt.timedOut, []byte(tt.out))
			if got != tt.want || detail != tt.wantDetail {
				t.Errorf("classify = %v, %q; want %v, %q", got, detail, tt.want, tt.wantDetail)
			}
		})
	}
}

func TestParseBaseline(t *testing.T) {
	out := "ok  \tm/cmd/x\t0.005s [no tests to run]\n" +
		"ok  \tm/internal/charm\t0.767s\n" +
		"?   \tm/internal/juju/jujutest\t[no test files]\n" +
		"ok  \tm/internal/config\t1.5s\tcoverage: 80.0% of statements\n"
	b := parseBaseline([]byte(out))
	wantDur := map[string]time.Duration{"m/cmd/x": 5 * time.Millisecond, "m/internal/charm": 767 * time.Millisecond, "m/internal/config": 1500 * time.Millisecond}
	if !reflect.DeepEqual(b.dur, wantDur) {
		t.Errorf("dur = %v, want %v", b.dur, wantDur)
	}
	wantNo := map[string]bool{"m/cmd/x": true, "m/internal/juju/jujutest": true}
	if !reflect.DeepEqual(b.noTests, wantNo) {
		t.Errorf("noTests = %v, want %v", b.noTests, wantNo)
	}
}

func TestReverseTestDeps(t *testing.T) {
	// The shape of `go list -test -json` for: a (tests import c via the
	// test variant), b (no tests, imports a), cmd (its test links b), c.
	pkgs := []listPkg{
		{ImportPath: "m/a", Deps: []string{"fmt"}},
		{ImportPath: "m/b", Deps: []string{"fmt", "m/a"}},
		{ImportPath: "m/c", Deps: []string{"fmt"}},
		{ImportPath: "m/cmd", Name: "main", Deps: []string{"m/b"}},
		{ImportPath: "m/a.test", Name: "main", Deps: []string{"fmt", "m/a [m/a.test]", "m/c", "testing"}},
		{ImportPath: "m/a [m/a.test]", ForTest: "m/a", Deps: []string{"fmt"}},
		{ImportPath: "m/a_test [m/a.test]", ForTest: "m/a", Deps: []string{"m/a [m/a.test]", "m/c"}},
		{ImportPath: "m/cmd.test", Name: "main", Deps: []string{"m/a", "m/b", "m/cmd [m/cmd.test]", "testing"}},
	}
	rev := reverseTestDeps(pkgs)
	want := map[string][]string{
		"m/a": {"m/a", "m/b", "m/cmd"},
		"m/b": {"m/b", "m/cmd"},
		"m/c": {"m/a", "m/c"},
	}
	for p, w := range want {
		if !reflect.DeepEqual(rev[p], w) {
			t.Errorf("rev[%s] = %v, want %v", p, rev[p], w)
		}
	}
	if _, ok := rev["m/cmd"]; !ok {
		t.Error("m/cmd should be its own tester")
	}
}

func TestTestsForAndTimeout(t *testing.T) {
	rdeps := map[string][]string{"m/a": {"m/a", "m/cmd", "m/z", "m/b"}}
	b := baseline{
		dur:     map[string]time.Duration{"m/a": time.Second, "m/b": 2 * time.Second, "m/cmd": time.Hour},
		noTests: map[string]bool{"m/cmd": true},
	}
	got := testsFor("m/a", rdeps, b)
	if want := []string{"m/a", "m/b", "m/z"}; !reflect.DeepEqual(got, want) {
		t.Errorf("testsFor = %v, want %v", got, want)
	}
	if got := testsFor("m/lonely", rdeps, b); !reflect.DeepEqual(got, []string{"m/lonely"}) {
		t.Errorf("testsFor without testers = %v", got)
	}
	if d := defaultTimeout([]string{"m/a", "m/b", "m/z"}, b); d != 39*time.Second {
		t.Errorf("defaultTimeout = %v, want 39s", d)
	}
}

// fakeGo puts a shell script named go first on PATH for this test.
func fakeGo(t *testing.T, script string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("needs a POSIX shell")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go"), []byte("#!/bin/sh\n"+script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
}

// TestGoTestTimeoutKillsGroup: the fake go leaves a child holding the
// output pipe. Killing only the go process would make Run wait out
// WaitDelay (5s); killing the group returns at once.
func TestGoTestTimeoutKillsGroup(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("process groups are unix-only")
	}
	fakeGo(t, "sleep 60 &\nsleep 60\n")
	start := time.Now()
	_, timedOut, _ := goTest(context.Background(), t.TempDir(), 300*time.Millisecond)
	if !timedOut {
		t.Error("timedOut = false")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("goTest took %v after the timeout; the process group was not killed", d)
	}
}

func TestGoTestCancel(t *testing.T) {
	fakeGo(t, "sleep 60\n")
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, timedOut, err := goTest(ctx, t.TempDir(), time.Minute)
	if timedOut || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("goTest = %v, %v; want the caller's context error, not a mutant timeout", timedOut, err)
	}
}

// TestRunMutants drives the worker pool against a fake go that inspects
// the overlay: it must replace the original path with a mutated copy, and
// the source tree must be left alone. The fake logs the packages of each
// go test: reverse dependencies (m/q) only run for a mutant that survived
// its own package's tests.
func TestRunMutants(t *testing.T) {
	fakeGo(t, `pk=""
while [ $# -gt 0 ]; do
  case "$1" in
    -overlay) ov="$2"; shift;;
    -timeout) shift;;
    -*) ;;
    *) pk="$pk $1";;
  esac
  shift
done
echo "$pk" >> "$LOG"
grep -q '"Replace":{"'"$ORIG"'":' "$ov" || { echo "go: bad overlay"; exit 2; }
d=$(dirname "$ov")
if grep -q BROKEN "$d"/f.go; then echo "# m/p"; echo "$d/f.go:2:9: undefined: BROKEN"; echo "FAIL	m/p [build failed]"; exit 1; fi
if grep -q '!=' "$d"/f.go; then echo "--- FAIL: TestF (0.00s)"; echo "FAIL	m/p	0.01s"; exit 1; fi
echo "ok  	m/p	0.01s"
`)
	src := []byte("package p\n\nvar x = 1 == 2\n")
	dir := t.TempDir()
	orig := filepath.Join(dir, "f.go")
	if err := os.WriteFile(orig, src, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ORIG", orig)
	logFile := filepath.Join(t.TempDir(), "log")
	t.Setenv("LOG", logFile)
	at := strings.Index(string(src), "==")
	lit := strings.Index(string(src), "1 ==")
	mk := func(start, end int, repl string) job {
		return job{m: &Mutant{File: orig, Rel: "p/f.go", Start: start, End: end, Repl: repl}, pkgs: []string{"m/p", "m/q"}, timeout: time.Minute}
	}
	jobs := []job{mk(at, at+2, "!="), mk(lit, lit+1, "BROKEN"), mk(at, at+2, "<="), mk(at, at+2, "!=")}
	work := t.TempDir()
	results, err := runMutants(context.Background(), dir, work, jobs, map[string][]byte{orig: src}, 2, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var got []Status
	for _, r := range results {
		got = append(got, r.Status)
	}
	if want := []Status{Killed, Invalid, Survived, Killed}; !reflect.DeepEqual(got, want) {
		t.Errorf("statuses = %v, want %v (details: %q, %q, %q, %q)", got, want, results[0].Detail, results[1].Detail, results[2].Detail, results[3].Detail)
	}
	if after, _ := os.ReadFile(orig); string(after) != string(src) {
		t.Errorf("source file changed: %q", after)
	}
	logged, _ := os.ReadFile(logFile)
	calls := strings.Split(strings.TrimSpace(string(logged)), "\n")
	if len(calls) != 5 || strings.Count(string(logged), " m/q") != 1 {
		t.Errorf("go test calls = %q; want m/p for each mutant and m/q only for the survivor", calls)
	}
	if left, _ := os.ReadDir(work); len(left) != 0 {
		t.Errorf("%d mutant dirs left behind", len(left))
	}
}
