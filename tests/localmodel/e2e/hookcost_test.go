package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/walkthrough"
)

// BenchmarkSteadyHooks measures the built charm's steady-state hooks on
// the real path: the README's deployment on the local model, with real
// Pebble, temporal-server and PostgreSQL and the model's own hook tools,
// the frontend app at two units so that a leader and a non-leader are
// measured, with every relation the walkthrough makes in place: db,
// visibility, admin, temporal-host-info (admin and the UI), ui, peer,
// metrics-endpoint, logging and grafana-dashboard. One op is `localmodel run-hook`: ns/op is that round trip
// (queueing, the hook, its commit), hook-ms the charm process alone,
// tools/hook its hook-tool calls.
//
//	go test -run '^$' -bench SteadyHooks -benchtime 20x ./e2e
func BenchmarkSteadyHooks(b *testing.B) {
	s, ctx := newScenario(b)
	step(b, s, "bootstrap", func() error { return s.Bootstrap(ctx) })
	step(b, s, "deploy and relate as the README", func() error { return s.Deploy(ctx) })
	step(b, s, "a workflow", func() error { return s.Check(ctx, 1, "bench") })
	step(b, s, "COS related", func() error { return s.Observe(ctx, 1) })
	step(b, s, "the UI related", func() error { return s.UI(ctx) })
	var st *walkthrough.Status
	step(b, s, "frontend at two units", func() error {
		if err := s.CLI.Scale(ctx, walkthrough.AppFrontend, 2); err != nil {
			return err
		}
		var err error
		st, err = s.WaitSettled(ctx, map[string]int{walkthrough.AppFrontend: 2}, s.Timeouts.Settle)
		return err
	})
	leader, others := st.Leader(walkthrough.AppFrontend)
	require.NotEmpty(b, leader)
	require.Len(b, others, 1)
	units := []struct{ role, unit string }{{"leader", leader}, {"non-leader", others[0]}}
	for _, hook := range []string{"update-status", "config-changed", "peer-relation-changed", "secret-changed"} {
		for _, u := range units {
			b.Run(hook+"/"+u.role, func(b *testing.B) {
				var ms, tools float64
				for b.Loop() {
					rec, err := s.CLI.RunHook(ctx, u.unit, hook)
					require.NoError(b, err)
					require.False(b, rec.Failed(), rec.Error)
					ms += rec.DurationMS
					tools += float64(len(rec.Tools))
				}
				b.ReportMetric(ms/float64(b.N), "hook-ms")
				b.ReportMetric(tools/float64(b.N), "tools/hook")
			})
		}
	}
}

// TestHookCostIsFlatWithScale scales one app whose server cannot start (it
// has no relations, so it is blocked) from 1 to 10 to 40 units: Juju's peer
// fan-out runs thousands of hooks, and each unit's own hooks must not grow
// with the number of its peers. It reports the time for 10 → 40 to settle.
func TestHookCostIsFlatWithScale(t *testing.T) {
	s, ctx := newScenario(t)
	const app = walkthrough.AppHistory
	step(t, s, "bootstrap", func() error { return s.Bootstrap(ctx) })
	step(t, s, "deploy one unit", func() error {
		if err := s.DeployCharm(ctx, walkthrough.Charm, app, "services=history"); err != nil {
			return err
		}
		_, err := s.WaitIdle(ctx, app, 1, "blocked", s.Timeouts.Deploy)
		return err
	})
	type point struct {
		units             int
		leader, nonLeader walkthrough.HookCost
		settle            time.Duration
		hooks             int
	}
	measure := func(n int) point {
		st, err := s.CLI.Status(ctx)
		require.NoError(t, err)
		leader, others := st.Leader(app)
		require.NotEmpty(t, leader)
		p := point{units: n}
		p.leader, err = s.CLI.MeasureHook(ctx, leader, "update-status", 9)
		require.NoError(t, err)
		if len(others) > 0 {
			// The newest unit: the one with the most peers before it.
			p.nonLeader, err = s.CLI.MeasureHook(ctx, others[len(others)-1], "update-status", 9)
			require.NoError(t, err)
		}
		return p
	}
	scale := func(n int) (time.Duration, int) {
		start := time.Now()
		require.NoError(t, s.CLI.Scale(ctx, app, n))
		st, err := s.WaitIdle(ctx, app, n, "blocked", 20*time.Minute)
		require.NoError(t, err)
		settle := time.Since(start)
		hooks, err := s.CLI.HooksSince(ctx, st.Applications[app].UnitNames(), start)
		require.NoError(t, err)
		return settle, hooks
	}

	one := measure(1)
	var ten, forty point
	step(t, s, "scale to 10", func() error {
		settle, hooks := scale(10)
		ten = measure(10)
		ten.settle, ten.hooks = settle, hooks
		return nil
	})
	step(t, s, "scale to 40", func() error {
		settle, hooks := scale(40)
		forty = measure(40)
		forty.settle, forty.hooks = settle, hooks
		return nil
	})
	for _, p := range []point{one, ten, forty} {
		t.Logf("%2d units: update-status leader %.1f ms %v tools, non-leader %.1f ms %v tools; scale-up settled in %s after %d hooks",
			p.units, p.leader.MedianMS, p.leader.Tools, p.nonLeader.MedianMS, p.nonLeader.Tools, p.settle.Round(100*time.Millisecond), p.hooks)
	}
	// Flat: the same calls at 1, 10 and 40 units, run after run.
	for _, p := range []point{ten, forty} {
		require.Equal(t, one.leader.Tools, p.leader.Tools, "leader at %d units", p.units)
	}
	require.Equal(t, ten.nonLeader.Tools, forty.nonLeader.Tools, "non-leader at 10 and 40 units")
	require.Greater(t, forty.hooks, 30*10, "the peer fan-out ran")
	fmt.Fprintf(s.Out, "⏱  10 → 40 units settled in %s (%d hooks)\n", forty.settle.Round(100*time.Millisecond), forty.hooks)
}
