package jujuapi

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/juju/juju/core/life"
	"github.com/juju/juju/rpc/params"
)

// Juju's status values the checks compare against (core/status keeps them
// as typed strings; the wire carries plain ones).
const (
	StatusActive  = "active"
	StatusBlocked = "blocked"
	StatusIdle    = "idle"
)

// AllActiveIdle passes when every listed application exists and each of
// its units reports workload active and agent idle, as the walkthrough's
// `juju status` does once settled.
func AllActiveIdle(apps ...string) Check {
	return func(st *params.FullStatus) error {
		for _, app := range apps {
			a, ok := st.Applications[app]
			if !ok {
				return fmt.Errorf("application %q not in status", app)
			}
			if len(a.Units) == 0 {
				return fmt.Errorf("application %q has no units", app)
			}
			for _, name := range slices.Sorted(maps.Keys(a.Units)) {
				u := a.Units[name]
				if u.WorkloadStatus.Status != StatusActive || u.AgentStatus.Status != StatusIdle {
					return fmt.Errorf("unit %s is %s/%s (%q), want active/idle",
						name, u.WorkloadStatus.Status, u.AgentStatus.Status, u.WorkloadStatus.Info)
				}
			}
		}
		return nil
	}
}

// UnitCounts passes when each application has exactly the given number of
// units and none of them is dying: after a scale-down, units must be gone,
// not left behind as "agent lost".
func UnitCounts(want map[string]int) Check {
	return func(st *params.FullStatus) error {
		for _, app := range slices.Sorted(maps.Keys(want)) {
			a, ok := st.Applications[app]
			if !ok {
				return fmt.Errorf("application %q not in status", app)
			}
			if got := len(a.Units); got != want[app] {
				return fmt.Errorf("application %q has %d units %v, want %d", app, got, slices.Sorted(maps.Keys(a.Units)), want[app])
			}
			for _, name := range slices.Sorted(maps.Keys(a.Units)) {
				if l := a.Units[name].AgentStatus.Life; l != "" && l != life.Alive {
					return fmt.Errorf("unit %s is %s", name, l)
				}
			}
		}
		return nil
	}
}

// UnitWorkload passes when a unit's workload status is want and its
// message contains every one of parts.
func UnitWorkload(unit, want string, parts ...string) Check {
	return func(st *params.FullStatus) error {
		app, _, _ := strings.Cut(unit, "/")
		u, ok := st.Applications[app].Units[unit]
		if !ok {
			return fmt.Errorf("unit %s not in status", unit)
		}
		got := u.WorkloadStatus
		if got.Status != want {
			return fmt.Errorf("unit %s is %s (%q), want %s", unit, got.Status, got.Info, want)
		}
		for _, p := range parts {
			if !strings.Contains(got.Info, p) {
				return fmt.Errorf("unit %s message %q does not contain %q", unit, got.Info, p)
			}
		}
		return nil
	}
}

// All passes when every check passes, reporting the first that does not.
func All(checks ...Check) Check {
	return func(st *params.FullStatus) error {
		for _, c := range checks {
			if err := c(st); err != nil {
				return err
			}
		}
		return nil
	}
}
