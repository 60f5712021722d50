package grpchealth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"slices"
	"strings"
	"sync"
	"time"
)

// Command is the name the charm's binary answers to as the workload's
// health check: Pebble runs it in the workload container, where the charm
// pushes its own executable under this name.
const Command = "temporal-k8s-health"

// Timeout bounds one run of the check, below the Pebble check's own
// timeout so that a hung server is reported by name rather than as a
// killed command.
const Timeout = 800 * time.Millisecond

// Target is one service to ask: a Temporal role and its gRPC address.
type Target struct {
	Role string
	Addr string
}

// Arg is the target as Run reads it: ROLE=HOST:PORT.
func (t Target) Arg() string {
	return t.Role + "=" + t.Addr
}

// ErrUsage is returned for arguments Run cannot read.
var ErrUsage = errors.New("usage: " + Command + " ROLE=HOST:PORT [ROLE=HOST:PORT]")

// Run reads its arguments as targets and probes them.
func Run(ctx context.Context, args []string, dial func(ctx context.Context, network, addr string) (net.Conn, error)) error {
	if len(args) == 0 {
		return ErrUsage
	}
	targets := make([]Target, len(args))
	for i, a := range args {
		role, addr, ok := strings.Cut(a, "=")
		if _, known := Service[role]; !ok || !known {
			return fmt.Errorf("%w: %q is not a role (%s) and an address", ErrUsage, a, strings.Join(slices.Sorted(maps.Keys(Service)), ", "))
		}
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return fmt.Errorf("%w: %q: %v", ErrUsage, a, err)
		}
		targets[i] = Target{Role: role, Addr: addr}
	}
	return Probe(ctx, targets, dial)
}

// Probe asks every target at once, for no longer than Timeout, and
// returns nil only when each is SERVING; otherwise its error names each
// one that is not, and why.
func Probe(ctx context.Context, targets []Target, dial func(ctx context.Context, network, addr string) (net.Conn, error)) error {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	c := New(dial)
	errs := make([]error, len(targets))
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Go(func() {
			switch s, err := c.Check(ctx, t.Addr, Service[t.Role]); {
			case err != nil:
				errs[i] = fmt.Errorf("%s is not healthy: %w", t.Role, err)
			case s != Serving:
				errs[i] = fmt.Errorf("%s is not healthy: %s at %s", t.Role, s, t.Addr)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Main is the command: Pebble reads its exit status, and shows what it
// printed when the check fails.
func Main(ctx context.Context, args []string, out io.Writer) int {
	if err := Run(ctx, args, nil); err != nil {
		fmt.Fprintln(out, err)
		return 1
	}
	return 0
}
