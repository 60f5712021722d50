// Package e2e runs the temporal-k8s README on the local model, with the
// real Temporal server, PostgreSQL and Pebble. It needs root and the
// environment described by walkthrough.ConfigFromEnv.
package e2e

import (
	"bytes"
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/walkthrough"
)

// testWriter sends the walkthrough's narrative to the test log as it
// happens, one complete line per entry (tables arrive in fragments).
type testWriter struct {
	t   testing.TB
	mu  sync.Mutex
	buf []byte
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		w.t.Log(string(w.buf[:i]))
		w.buf = w.buf[i+1:]
	}
}

// minDuration is what one scenario needs on a two-core machine, with room
// to spare (the longest takes about 6 minutes): each test checks it has
// that much of go test's -timeout left, and gets that long.
const minDuration = 20 * time.Minute

func newScenario(t testing.TB) (*walkthrough.Scenario, context.Context) {
	// A benchmark has no deadline to check.
	if dt, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if d, ok := dt.Deadline(); ok && time.Until(d) < minDuration {
			t.Fatalf("a scenario needs up to %s and %s is left: run go test with a longer -timeout", minDuration, time.Until(d).Round(time.Second))
		}
	}
	cfg, err := walkthrough.ConfigFromEnv(os.Getenv)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), minDuration)
	t.Cleanup(cancel)
	out := &testWriter{t: t}
	cli := cfg.CLI()
	cli.Log = out
	s := walkthrough.New(cli, out)
	s.Resources = cfg.Resources()
	s.Chromium = cfg.Chromium
	// Kept under go test's -outputdir with -artifacts (make test).
	s.ArtifactDir = t.ArtifactDir()
	s.UpdateStatusInterval = time.Minute
	s.BootstrapArgs = cfg.BootstrapArgs
	// Always leave the machine clean, whatever failed.
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		if err := s.Destroy(ctx); err != nil {
			t.Errorf("cannot destroy the model: %v", err)
		}
	})
	return s, ctx
}

func step(t testing.TB, s *walkthrough.Scenario, name string, fn func() error) {
	t.Helper()
	start := time.Now()
	if err := fn(); err != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if status, serr := s.PrintStatus(ctx); serr == nil {
			if errs := status.Errors(); len(errs) > 0 {
				t.Logf("units in error: %v", errs)
			}
		}
		t.Fatalf("%s: %v", name, err)
	}
	t.Logf("%s: done in %s", name, time.Since(start).Round(100*time.Millisecond))
}

func TestWalkthrough(t *testing.T) {
	s, ctx := newScenario(t)

	step(t, s, "1. bootstrap", func() error { return s.Bootstrap(ctx) })
	step(t, s, "1. deploy and relate as the README", func() error { return s.Deploy(ctx) })

	// 2–4: every unit active and idle, one member per ring at the units'
	// pod addresses, and a workflow through the frontend.
	step(t, s, "2-4. membership and a workflow at scale 1", func() error { return s.Check(ctx, 1, "deploy") })
	d, _, err := s.Describe(ctx)
	require.NoError(t, err)
	// The README shows "postgres", the 1.17 plugin's name; 1.31 reports
	// the postgres12 plugin it runs.
	require.Contains(t, []string{"postgres", "postgres12", "postgres12_pgx"}, d.PersistenceStore)
	require.Equal(t, 4, walkthrough.MemberCount(d))
	for _, role := range []string{"frontend", "history", "matching", "worker"} {
		ring, ok := d.Ring(role)
		require.True(t, ok, role)
		require.Len(t, ring.Members, 1, role)
	}

	// COS: a real Prometheus, related to every application's
	// metrics-endpoint, scrapes every unit and loads the alert rules; the
	// Loki stand-in receives every unit's server log through Pebble.
	step(t, s, "4b. Prometheus scrapes every unit, Loki receives every unit's logs", func() error { return s.Observe(ctx, 1) })

	// The real Temporal UI, related on ui and temporal-host-info, shows
	// the workflow step 4 ran, in Chromium; the screenshot is kept with
	// the test's artifacts.
	step(t, s, "4c. the Temporal UI lists the walkthrough's workflow", func() error { return s.UI(ctx) })

	step(t, s, "5. scale every service to 2", func() error { return s.ScaleUp(ctx, 2) })
	step(t, s, "5. eight members, two per ring, and workflows", func() error { return s.Check(ctx, 2, "scale-up") })
	step(t, s, "5. Prometheus and Loki hear from the new units", func() error { return s.CheckObserved(ctx, 2) })
	d, _, err = s.Describe(ctx)
	require.NoError(t, err)
	require.Equal(t, 8, walkthrough.MemberCount(d))

	step(t, s, "6. scale back to 1", func() error { return s.ScaleDown(ctx, 1) })
	step(t, s, "6. four members again, and a workflow", func() error { return s.Check(ctx, 1, "scale-down") })
	d, _, err = s.Describe(ctx)
	require.NoError(t, err)
	require.Equal(t, 4, walkthrough.MemberCount(d))

	// 7: one application running every service, on a fresh model.
	step(t, s, "7. fresh model", func() error {
		if err := s.Destroy(ctx); err != nil {
			return err
		}
		return s.Bootstrap(ctx)
	})
	step(t, s, "7. all services in one application", func() error { return s.AllInOneScenario(ctx) })

	s.PrintTimings()
}

// TestBadInputUnderLoad puts bad partner data and options in front of the
// README's deployment under a workflow load: the servers keep serving, no
// hook fails, statuses tell the truth.
func TestBadInputUnderLoad(t *testing.T) {
	s, ctx := newScenario(t)
	step(t, s, "bootstrap", func() error { return s.Bootstrap(ctx) })
	step(t, s, "deploy and relate as the README", func() error { return s.Deploy(ctx) })
	step(t, s, "settled, with a workflow", func() error { return s.Check(ctx, 1, "bad-input") })
	step(t, s, "bad input under load", func() error { return s.BadInput(ctx) })
	step(t, s, "single restarts at scale 1, measured", func() error { return s.SingleRestarts(ctx) })
	s.PrintTimings()
}

// TestRollingRestartsUnderLoad rotates every database password of the
// README's deployment at scale 2 under 10 workflow starts a second (no
// server restarts, no refused start, and the servers' new connections
// authenticate with the new passwords), then restarts every unit two
// ways under the same load: the restart lock keeps one unit of each
// application restarting at a time, and clients see no refused start.
// Then a hung history server (SIGSTOP) takes its unit out of active, and
// SIGCONT brings it back.
func TestRollingRestartsUnderLoad(t *testing.T) {
	s, ctx := newScenario(t)
	step(t, s, "bootstrap", func() error { return s.Bootstrap(ctx) })
	step(t, s, "deploy and relate as the README", func() error { return s.Deploy(ctx) })
	step(t, s, "scale every service to 2", func() error { return s.ScaleUp(ctx, 2) })
	step(t, s, "eight members, and a workflow", func() error { return s.Check(ctx, 2, "rolling") })
	step(t, s, "every database password rotated under load", func() error { return s.PasswordRotation(ctx) })
	step(t, s, "rolling restarts under load", func() error { return s.Rolling(ctx) })
	step(t, s, "a hung history server", func() error { return s.HungServer(ctx, 45*time.Second) })
	s.PrintTimings()
}

// TestFaultsUnderLoad puts the README's deployment at scale 2 through
// faults under 10 workflow starts a second: the database cut off for 30 s,
// a history server killed, the frontend leader's commit failing as every
// database password is rotated, and the frontend leader's unit removed.
// After each, every unit is active and idle, the rings hold exactly the
// current pods, and every workflow started completed.
func TestFaultsUnderLoad(t *testing.T) {
	s, ctx := newScenario(t)
	// On Kubernetes remove-unit takes the highest unit: for it to take a
	// leader, the highest unit must have won the election, which Juju
	// leaves to whichever claim lands first.
	s.BootstrapArgs = append(s.BootstrapArgs, "--elect", "highest")
	s.Units = 2
	step(t, s, "bootstrap", func() error { return s.Bootstrap(ctx) })
	step(t, s, "deploy with two units each, and relate as the README", func() error { return s.Deploy(ctx) })
	step(t, s, "eight members, and a workflow", func() error { return s.Check(ctx, 2, "faults") })
	step(t, s, "faults under load", func() error { return s.Faults(ctx) })
	s.PrintTimings()
}

// TestPostgres16TLS deploys the README's deployment against postgresql-k8s
// 16 serving TLS, with charmed_admin: all active, workflows run, and every
// server connection to the database is encrypted and verified against the
// primary's name.
func TestPostgres16TLS(t *testing.T) {
	s, ctx := newScenario(t)
	step(t, s, "bootstrap", func() error { return s.Bootstrap(ctx) })
	step(t, s, "deploy with postgresql-k8s track=16 tls=true", func() error { return s.Postgres16TLS(ctx) })
	s.PrintTimings()
}

// TestAdminTrack123 runs the server with the track-1.23 admin protocol:
// the admin as that track's code is (it cannot migrate with a 1.31 rock:
// the server waits, no hook fails), with its one plugin word fixed (all
// active, its cli SERVING through <server-name>:7236), and migrating to
// 1.23's schema versions as its own image would (the server blocks,
// naming both versions).
func TestAdminTrack123(t *testing.T) {
	s, ctx := newScenario(t)
	step(t, s, "bootstrap", func() error { return s.Bootstrap(ctx) })
	step(t, s, "the track-1.23 admin", func() error { return s.Admin123(ctx) })
	s.PrintTimings()
}

// TestPodChurnUnderLoad puts the README's deployment at scale 2 through
// what Kubernetes does to pods, under 10 workflow starts a second: a
// refresh of every application (pods recreated one at a time, new IPs,
// empty charm directories), the history leader's pod deleted, a workload
// container restarted, the admin refreshed (migrating, then ready: no
// server restarts) and a charm container restarted. After each, every unit is
// active and idle, the rings hold exactly the current pods, and every
// workflow started completed.
func TestPodChurnUnderLoad(t *testing.T) {
	s, ctx := newScenario(t)
	step(t, s, "bootstrap", func() error { return s.Bootstrap(ctx) })
	step(t, s, "deploy and relate as the README", func() error { return s.Deploy(ctx) })
	step(t, s, "scale every service to 2", func() error { return s.ScaleUp(ctx, 2) })
	step(t, s, "eight members, and a workflow", func() error { return s.Check(ctx, 2, "churn") })
	step(t, s, "pod churn under load", func() error { return s.Churn(ctx) })
	s.PrintTimings()
}

// TestInternodeTLS relates self-signed-certificates to every application's
// internode-certificates of the README's deployment at scale 2 (history,
// matching and worker following the frontend on internode-rollout-hub)
// under a steady load, and removes the relations again: every unit steps
// into mutual TLS between every server process and back, each server
// accepting both while the cluster is mixed, and no start is refused and
// no workflow lost either way; with TLS on, a history unit seen from
// outside refuses a client without TLS and one without a certificate, on
// gRPC and membership alike.
func TestInternodeTLS(t *testing.T) {
	s, ctx := newScenario(t)
	// At scale 1 every restart of a unit takes its service away: the
	// rolling switch needs a second unit to serve meanwhile.
	s.Units = 2
	step(t, s, "bootstrap", func() error { return s.Bootstrap(ctx) })
	step(t, s, "internode TLS on and off under load", func() error { return s.InternodeTLS(ctx) })
	s.PrintTimings()
}

// TestFrontendTLS runs a workflow through each ingress provider (traefik's
// ingress, then nginx-route) to the frontend of the README's deployment,
// then relates self-signed-certificates (4-minute certificates) to the
// frontend under a load without TLS, and its CA to the admin and the UI:
// the frontend serves the provider's chain for the unit's FQDN and the
// application's Service, a client without TLS is refused, clients moved
// to TLS complete every workflow started before the switch, the SDK with
// the CA runs a workflow, the HTTP API answers over TLS, the admin's cli
// and the real UI server (in Chromium) follow temporal-host-info over
// TLS; a renewal under the TLS load restarts nothing and refuses nothing;
// and a workflow runs through each ingress provider again, now to a TLS
// backend.
func TestFrontendTLS(t *testing.T) {
	s, ctx := newScenario(t)
	step(t, s, "bootstrap", func() error { return s.Bootstrap(ctx) })
	step(t, s, "frontend TLS and its renewal under load", func() error { return s.FrontendTLS(ctx) })
	s.PrintTimings()
}
