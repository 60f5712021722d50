package walkthrough

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/model"
)

// RunHook fires a hook on a unit now (localmodel run-hook) and returns the
// model's record of it: how long the charm ran and which tools it called.
// It is not echoed: benchmarks call it in a loop.
func (c CLI) RunHook(ctx context.Context, unit, hook string) (model.HookRecord, error) {
	out, err := c.output(ctx, "run-hook", unit, hook, "--format", "json")
	if err != nil {
		return model.HookRecord{}, err
	}
	var recs []model.HookRecord
	if err := json.Unmarshal([]byte(out), &recs); err != nil || len(recs) != 1 {
		return model.HookRecord{}, fmt.Errorf("cannot parse the record of %s on %s: %v: %q", hook, unit, err, out)
	}
	return recs[0], nil
}

// Hooks returns the hooks a unit ran (localmodel show-hooks), oldest first.
func (c CLI) Hooks(ctx context.Context, unit string) ([]model.HookRecord, error) {
	out, err := c.output(ctx, "show-hooks", unit, "--format", "json")
	if err != nil {
		return nil, err
	}
	var recs []model.HookRecord
	if err := json.Unmarshal([]byte(out), &recs); err != nil {
		return nil, fmt.Errorf("cannot parse the hooks of %s: %w", unit, err)
	}
	return recs, nil
}

// HookCost sums up repeated runs of one hook.
type HookCost struct {
	Runs int
	// MedianMS is the median duration of the charm process.
	MedianMS float64
	// Tools is the number of hook-tool calls of each run, which a
	// steady-state hook repeats exactly.
	Tools []int
}

// MeasureHook runs a hook n times on a unit and reports its cost.
func (c CLI) MeasureHook(ctx context.Context, unit, hook string, n int) (HookCost, error) {
	cost := HookCost{Runs: n}
	var ms []float64
	for range n {
		rec, err := c.RunHook(ctx, unit, hook)
		if err != nil {
			return cost, err
		}
		if rec.Failed() {
			return cost, fmt.Errorf("%s on %s failed: %s", hook, unit, rec.Error)
		}
		ms = append(ms, rec.DurationMS)
		cost.Tools = append(cost.Tools, len(rec.Tools))
	}
	sort.Float64s(ms)
	cost.MedianMS = ms[len(ms)/2]
	return cost, nil
}

// HooksSince counts the hooks the given units started at or after t.
func (c CLI) HooksSince(ctx context.Context, units []string, t time.Time) (int, error) {
	n := 0
	for _, u := range units {
		recs, err := c.Hooks(ctx, u)
		if err != nil {
			return 0, err
		}
		for _, r := range recs {
			if !r.Started.Before(t) && r.Action == "" {
				n++
			}
		}
	}
	return n, nil
}

// WaitIdle polls status until app has n units, every one idle with the
// given workload status, settledPolls times in a row.
func (s *Scenario) WaitIdle(ctx context.Context, app string, n int, workload string, timeout time.Duration) (*Status, error) {
	return s.waitStatus(ctx, timeout, func(st *Status) error {
		return st.SettledAs(map[string]int{app: n}, workload)
	})
}

// Leader returns an application's leader and its other units.
func (st *Status) Leader(app string) (string, []string) {
	var leader string
	var others []string
	a := st.Applications[app]
	for _, name := range a.UnitNames() {
		if a.Units[name].Leader {
			leader = name
		} else {
			others = append(others, name)
		}
	}
	return leader, others
}

// Scale runs scale-application.
func (c CLI) Scale(ctx context.Context, app string, n int) error {
	_, err := c.Run(ctx, "scale-application", app, strconv.Itoa(n))
	return err
}

// DeployCharm deploys a charm as app with config, with the scenario's
// resources.
func (s *Scenario) DeployCharm(ctx context.Context, charm, app string, config ...string) error {
	return s.deploy(ctx, charm, app, config...)
}

// hookRecord is one hook or action a unit ran.
type hookRecord = model.HookRecord

// ranSince reports whether any record started at or after t matches.
func ranSince(recs []hookRecord, t time.Time, match func(hookRecord) bool) bool {
	return slices.ContainsFunc(recs, func(r hookRecord) bool { return !r.Started.Before(t) && match(r) })
}
