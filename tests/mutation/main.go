// Command mutation is a small mutation tester for the charm's Go code. It
// makes one small edit at a time to the non-test files of the packages
// named on the command line (negated comparisons, dropped errors, removed
// calls, ...), runs the tests that can see the edit, and reports the edits
// no test noticed. It uses the standard library only, and applies edits
// with `go test -overlay`, never writing to the source tree, so several
// mutants run in parallel and an interrupted run leaves nothing behind.
//
// It is its own module (so the charm's module does not depend on it);
// run it from the repository root with go's -C, pointing the tool's own
// -C back at the charm's module:
//
//	go -C tests/mutation run . -C ../.. -j 2 -equivalent tests/mutation/equivalent.txt \
//	    ./internal/charm ./internal/temporal ./internal/relation/... \
//	    ./internal/config ./internal/juju ./internal/workload
//
// (`cd tests/mutation && go run . -C ../.. ...` is the same.) Relative
// -equivalent paths are looked up in the current directory, then under
// -C; relative -out paths are taken from the current directory, which for
// the `go -C` form above is tests/mutation.
//
// Flags:
//
//	-C dir          module to mutate and test (default ".")
//	-j n            mutants tested in parallel (default 2)
//	-equivalent f   known-equivalent mutants, `KEY  # why` per line
//	-out f          also write the report to f
//	-min pct        exit 1 if a package scores below pct
//	-list           list the mutants and their counts; run nothing
//	-run regexp     only test mutants whose key matches
//	-timeout d      per-mutant limit (default 3x baseline test time + 30s)
//
// Each mutant is tested with `go test -count=1 -failfast -vet=off
// -overlay`: first the mutated package's own tests, then, if it survived,
// the tests of every other package of the module whose test binary links
// it (cmd/... included). Packages whose baseline ran no test are left out:
// they cannot fail. Outcomes: killed (a test failed), survived, timeout
// (counted as killed), invalid (did not build; excluded from the score).
//
// A mutant's key, relpath:Func:operator:original→mutated#n, names no line
// number, so equivalent.txt survives unrelated edits; entries matching no
// mutant are reported as stale and make the run exit 1.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"syscall"
	"time"
)

type options struct {
	dir        string
	jobs       int
	equivalent string
	out        string
	min        float64
	list       bool
	run        *regexp.Regexp
	timeout    time.Duration
	patterns   []string
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	fs := flag.NewFlagSet("mutation", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &options{}
	fs.StringVar(&o.dir, "C", ".", "module `dir`ectory to mutate and test")
	fs.IntVar(&o.jobs, "j", 2, "mutants tested in parallel")
	fs.StringVar(&o.equivalent, "equivalent", "", "`file` of equivalent mutant keys")
	fs.StringVar(&o.out, "out", "", "also write the report to `file`")
	fs.Float64Var(&o.min, "min", 0, "exit 1 if a package's score is below this `percent`")
	fs.BoolVar(&o.list, "list", false, "only list the mutants")
	run := fs.String("run", "", "only test mutants whose key matches `regexp`")
	fs.DurationVar(&o.timeout, "timeout", 0, "per-mutant time limit (default 3x baseline + 30s)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: mutation [flags] packages...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return nil, fmt.Errorf("no packages given")
	}
	o.patterns = fs.Args()
	if *run != "" {
		re, err := regexp.Compile(*run)
		if err != nil {
			return nil, fmt.Errorf("-run: %v", err)
		}
		o.run = re
	}
	return o, nil
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := 2
	if o, err := parseFlags(os.Args[1:], os.Stderr); err == nil {
		code, err = execute(ctx, o, os.Stdout, os.Stderr)
		if err != nil {
			fmt.Fprintf(os.Stderr, "mutation: %v\n", err)
			code = 2
		}
	} else if err == flag.ErrHelp {
		code = 0
	} else {
		fmt.Fprintf(os.Stderr, "mutation: %v\n", err)
	}
	stop()
	os.Exit(code)
}
