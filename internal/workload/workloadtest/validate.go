package workloadtest

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/temporal-k8s/temporal-k8s/internal/workload"
)

// What follows is Pebble 1.26's internals/plan, for the fields the charm's
// workload.Layer has: the per-layer checks (override, durations, actions,
// levels) and the checks of the combined plan (every service has a command,
// every check a checker). The messages are Pebble's.

var actions = map[string]bool{"": true, "restart": true, "shutdown": true, "ignore": true, "success-shutdown": true, "failure-shutdown": true}

func validOverride(v string) bool { return v == "merge" || v == "replace" }

func duration(what, v string) (time.Duration, error) {
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("cannot parse layer: %s: invalid duration %q", what, v)
	}
	return d, nil
}

func validateLayer(label string, l workload.Layer) error {
	for _, name := range slices.Sorted(maps.Keys(l.Services)) {
		s := l.Services[name]
		switch {
		case name == "":
			return fmt.Errorf("cannot use empty string as service name")
		case s.Override == "":
			return fmt.Errorf(`layer %q must define "override" for service %q`, label, name)
		case !validOverride(s.Override):
			return fmt.Errorf(`layer %q has invalid "override" value for service %q`, label, name)
		case !actions[s.OnFailure]:
			return fmt.Errorf("plan service %q on-failure action %q invalid", name, s.OnFailure)
		case s.BackoffFactor != 0 && s.BackoffFactor < 1:
			return fmt.Errorf("plan service %q backoff-factor must be 1.0 or greater, not %g", name, s.BackoffFactor)
		}
		for check, action := range s.OnCheckFailure {
			if !actions[action] {
				return fmt.Errorf("plan service %q on-check-failure action %q invalid", name, action)
			}
			_ = check // Pebble does not require the check to exist.
		}
		for what, v := range map[string]string{"backoff-delay": s.BackoffDelay, "backoff-limit": s.BackoffLimit, "kill-delay": s.KillDelay} {
			if _, err := duration(what, v); err != nil {
				return err
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(l.Checks)) {
		c := l.Checks[name]
		switch {
		case name == "":
			return fmt.Errorf("cannot use empty string as check name")
		case c.Override == "":
			return fmt.Errorf(`layer %q must define "override" for check %q`, label, name)
		case !validOverride(c.Override):
			return fmt.Errorf(`layer %q has invalid "override" value for check %q`, label, name)
		case c.Level != "" && c.Level != "alive" && c.Level != "ready":
			return fmt.Errorf(`plan check %q level must be "alive" or "ready"`, name)
		case c.Startup != "" && c.Startup != "enabled" && c.Startup != "disabled":
			return fmt.Errorf(`plan check %q startup must be "enabled" or "disabled"`, name)
		}
		for what, v := range map[string]string{"period": c.Period, "timeout": c.Timeout} {
			d, err := duration(what, v)
			if err != nil {
				return err
			}
			if v != "" && d == 0 {
				return fmt.Errorf("plan check %q %s must not be zero", name, what)
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(l.LogTargets)) {
		t := l.LogTargets[name]
		switch {
		case t.Override == "":
			return fmt.Errorf(`layer %q must define "override" for log target %q`, label, name)
		case !validOverride(t.Override):
			return fmt.Errorf(`layer %q has invalid "override" value for log target %q`, label, name)
		case t.Type != "" && t.Type != "loki" && t.Type != "opentelemetry":
			return fmt.Errorf(`log target %q has unsupported type %q, must be "loki" or "opentelemetry"`, name, t.Type)
		}
		for _, k := range slices.Sorted(maps.Keys(t.Labels)) {
			if strings.HasPrefix(k, "pebble_") {
				return fmt.Errorf(`log target %q: label %q uses reserved prefix "pebble_"`, name, k)
			}
		}
	}
	return nil
}

func validatePlan(p workload.Layer) error {
	for _, name := range slices.Sorted(maps.Keys(p.Services)) {
		if p.Services[name].Command == "" {
			return fmt.Errorf(`plan must define "command" for service %q`, name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(p.Checks)) {
		c := p.Checks[name]
		switch {
		case c.TCP != nil && c.TCP.Port == 0:
			return fmt.Errorf(`plan must set "port" for tcp check %q`, name)
		case c.Exec != nil && c.Exec.Command == "":
			return fmt.Errorf(`plan must set "command" for exec check %q`, name)
		case (c.TCP == nil) == (c.Exec == nil):
			return fmt.Errorf(`plan must specify one of "http", "tcp", or "exec" for check %q`, name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(p.LogTargets)) {
		t := p.LogTargets[name]
		if t.Type == "" {
			return fmt.Errorf(`plan must define "type" ("loki" or "opentelemetry") for log target %q`, name)
		}
		for _, svc := range t.Services {
			svc = strings.TrimPrefix(svc, "-")
			if _, ok := p.Services[svc]; !ok && svc != "all" {
				return fmt.Errorf(`log target %q specifies unknown service %q`, name, svc)
			}
		}
		if t.Location == "" {
			return fmt.Errorf(`plan must define "location" for log target %q`, name)
		}
	}
	return nil
}

// combine applies layer l over base as Pebble combines layers: override
// replace takes the new definition whole, merge overlays the fields it sets.
func combine(base, l workload.Layer) workload.Layer {
	out := workload.Layer{Summary: base.Summary, Description: base.Description, Services: map[string]workload.Service{}, Checks: map[string]workload.Check{}}
	if l.Summary != "" {
		out.Summary = l.Summary
	}
	if l.Description != "" {
		out.Description = l.Description
	}
	for name, s := range base.Services {
		out.Services[name] = s
	}
	for name, c := range base.Checks {
		out.Checks[name] = c
	}
	for name, s := range l.Services {
		old, ok := out.Services[name]
		if s.Override == "merge" && ok {
			s = mergeService(old, s)
		}
		out.Services[name] = s
	}
	for name, c := range l.Checks {
		old, ok := out.Checks[name]
		if c.Override == "merge" && ok {
			c = mergeCheck(old, c)
		}
		out.Checks[name] = c
	}
	for name, t := range base.LogTargets {
		if out.LogTargets == nil {
			out.LogTargets = map[string]workload.LogTarget{}
		}
		out.LogTargets[name] = t
	}
	for name, t := range l.LogTargets {
		if out.LogTargets == nil {
			out.LogTargets = map[string]workload.LogTarget{}
		}
		old, ok := out.LogTargets[name]
		if t.Override == "merge" && ok {
			// LogTarget.Merge: services appended, labels overlaid,
			// the override the target was defined with kept.
			merged := old
			merged.Type = pick(old.Type, t.Type)
			merged.Location = pick(old.Location, t.Location)
			merged.Services = append(slices.Clone(old.Services), t.Services...)
			merged.Labels = mergeMap(old.Labels, t.Labels)
			t = merged
		}
		out.LogTargets[name] = t
	}
	return out
}

func pick(old, v string) string {
	if v != "" {
		return v
	}
	return old
}

func mergeService(old, s workload.Service) workload.Service {
	out := old
	out.Override = s.Override
	out.Summary = pick(old.Summary, s.Summary)
	out.Command = pick(old.Command, s.Command)
	out.Startup = pick(old.Startup, s.Startup)
	out.User = pick(old.User, s.User)
	out.Group = pick(old.Group, s.Group)
	out.WorkingDir = pick(old.WorkingDir, s.WorkingDir)
	out.OnFailure = pick(old.OnFailure, s.OnFailure)
	out.BackoffDelay = pick(old.BackoffDelay, s.BackoffDelay)
	out.BackoffLimit = pick(old.BackoffLimit, s.BackoffLimit)
	out.KillDelay = pick(old.KillDelay, s.KillDelay)
	if s.BackoffFactor != 0 {
		out.BackoffFactor = s.BackoffFactor
	}
	out.Environment = mergeMap(old.Environment, s.Environment)
	out.OnCheckFailure = mergeMap(old.OnCheckFailure, s.OnCheckFailure)
	// Service.Merge appends the lists.
	out.After = append(slices.Clone(old.After), s.After...)
	out.Requires = append(slices.Clone(old.Requires), s.Requires...)
	return out
}

func mergeCheck(old, c workload.Check) workload.Check {
	out := old
	out.Override = c.Override
	out.Level = pick(old.Level, c.Level)
	out.Startup = pick(old.Startup, c.Startup)
	out.Period = pick(old.Period, c.Period)
	out.Timeout = pick(old.Timeout, c.Timeout)
	if c.Threshold != 0 {
		out.Threshold = c.Threshold
	}
	if c.TCP != nil {
		out.TCP = c.TCP
	}
	if c.Exec != nil {
		exec := workload.ExecCheck{}
		if out.Exec != nil {
			exec = *out.Exec
		}
		if c.Exec.Command != "" {
			exec.Command = c.Exec.Command
		}
		out.Exec = &exec
	}
	return out
}

func mergeMap(a, b map[string]string) map[string]string {
	if a == nil && b == nil {
		return nil
	}
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}
