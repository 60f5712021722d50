package walkthrough

import (
	"context"
	"fmt"
	"net"
	"strings"
	"time"
)

// ChurnEvent is one thing Kubernetes does to a deployment's pods.
type ChurnEvent struct {
	Name string
	// Do triggers the event and returns the units whose pods or
	// containers it recreates.
	Do func(ctx context.Context, st *Status) ([]string, error)
	// NewAddresses is set when the units come back on new pods, at new
	// IPs.
	NewAddresses bool
	// KeepsServer is set when the workload container stays: its
	// temporal-server must be the same process afterwards.
	KeepsServer bool
	// Wait, when set, replaces waiting for the units Do returned to come
	// back: it returns once the event has had its effect.
	Wait func(ctx context.Context, before *Status, start time.Time) error
	// Check, when set, is a last check once all is settled again.
	Check func(ctx context.Context, start time.Time) error
}

// ChurnEvents are the pod events of issue "pods are cattle", in the order
// Churn runs them.
func (s *Scenario) ChurnEvents() []ChurnEvent {
	apps := []string{AppFrontend, AppHistory, AppMatching, AppWorker}
	return []ChurnEvent{{
		Name:         "refresh of every application (pods recreated one at a time)",
		NewAddresses: true,
		Do: func(ctx context.Context, st *Status) ([]string, error) {
			var units []string
			for _, app := range apps {
				if err := s.run(ctx, "refresh", app); err != nil {
					return nil, err
				}
				units = append(units, st.Applications[app].UnitNames()...)
			}
			return units, nil
		},
	}, {
		Name:         "the history leader's pod deleted",
		NewAddresses: true,
		Do: func(ctx context.Context, st *Status) ([]string, error) {
			leader, _ := st.Leader(AppHistory)
			if leader == "" {
				return nil, fmt.Errorf("%s has no leader", AppHistory)
			}
			return []string{leader}, s.run(ctx, "delete-pod", leader)
		},
	}, {
		Name: "a workload-container restart (the matching leader's temporal container)",
		Do: func(ctx context.Context, st *Status) ([]string, error) {
			leader, _ := st.Leader(AppMatching)
			return []string{leader}, s.run(ctx, "restart-container", leader, "temporal")
		},
	}, {
		Name:        "a refresh of the admin (schema migrating, then ready again)",
		KeepsServer: true,
		Do: func(ctx context.Context, st *Status) ([]string, error) {
			return st.Applications[AppFrontend].UnitNames(), s.run(ctx, "refresh", AppAdmin)
		},
		Wait: func(ctx context.Context, st *Status, start time.Time) error {
			// The admin's new pod publishes migrating from upgrade-charm,
			// then ready once it has migrated again: every frontend unit
			// sees a change (Juju folds changes a unit has not yet run a
			// hook for into one), and its server runs on.
			if err := s.waitHook(ctx, AppAdmin+"/0", start, func(r hookRecord) bool { return r.Hook == "upgrade-charm" && !r.Failed() }, "upgrade-charm"); err != nil {
				return err
			}
			for _, unit := range st.Applications[AppFrontend].UnitNames() {
				if err := s.waitHook(ctx, unit, start, func(r hookRecord) bool { return r.Hook == "admin-relation-changed" && !r.Failed() }, "admin-relation-changed"); err != nil {
					return err
				}
			}
			return nil
		},
	}, {
		Name:        "a charm-container restart (a frontend unit's agent)",
		KeepsServer: true,
		Do: func(ctx context.Context, st *Status) ([]string, error) {
			unit := st.Applications[AppFrontend].UnitNames()[1]
			return []string{unit}, s.run(ctx, "restart-container", unit, "charm")
		},
	}}
}

// Churn runs each pod event under a steady workflow load at scale 2 and
// checks what a Juju operator needs afterwards: every unit active and
// idle, no hook left in error, the rings holding exactly the current pods
// (no stale member at an old IP), and every workflow started during the
// event completed.
func (s *Scenario) Churn(ctx context.Context) error {
	return s.underLoad(ctx, "churn", s.ChurnEvents())
}

// underLoad runs each event under a steady workflow load and checks the
// deployment afterwards, as Churn says.
func (s *Scenario) underLoad(ctx context.Context, label string, events []ChurnEvent) error {
	status, err := s.CLI.Status(ctx)
	if err != nil {
		return err
	}
	hostPort := net.JoinHostPort(status.Applications[AppFrontend].Address, "7233")
	for _, ev := range events {
		if status, err = s.CLI.Status(ctx); err != nil {
			return err
		}
		load, err := StartLoad(ctx, hostPort, RollingRate, label)
		if err != nil {
			return err
		}
		if err := sleep(ctx, 3*time.Second); err != nil {
			load.Stop(time.Second)
			return err
		}
		start := time.Now()
		s.printf("%s: %s\n", label, ev.Name)
		pids := map[string]int{}
		if ev.KeepsServer {
			for _, unit := range status.Applications[AppFrontend].UnitNames() {
				if pids[unit], err = serverPID(unit, "frontend"); err != nil {
					load.Stop(time.Second)
					return err
				}
			}
		}
		units, err := ev.Do(ctx, status)
		if err == nil {
			if ev.Wait != nil {
				err = ev.Wait(ctx, status, start)
			} else {
				err = s.waitRecreated(ctx, status, units, start, ev.NewAddresses)
			}
		}
		for _, unit := range units {
			if pid, ok := pids[unit]; ok && err == nil {
				now, perr := serverPID(unit, "frontend")
				if perr != nil || now != pid {
					err = fmt.Errorf("the server of %s was restarted (pid %d, now %d, %v): a needless outage", unit, pid, now, perr)
				}
			}
		}
		var after *Status
		if err == nil {
			_, _, after, err = s.WaitMembership(ctx, s.scales(2), s.Timeouts.Settle)
		}
		if err == nil && ev.Check != nil {
			err = ev.Check(ctx, start)
		}
		settled := time.Since(start)
		// Let the last workflows started finish before counting.
		res := load.Stop(2 * time.Minute)
		failedHooks, herr := s.failedHooksSince(ctx, status, start)
		s.record(label+": "+ev.Name+" → all active and idle, rings exact", settled)
		s.printf(label+": %s: back to all active/idle with exact rings in %s; %d hooks failed and were retried; load at %d/s: %s\n",
			ev.Name, settled.Round(100*time.Millisecond), failedHooks, RollingRate, res)
		switch {
		case err != nil:
			return fmt.Errorf("%s: %w", ev.Name, err)
		case herr != nil:
			return herr
		case len(after.Errors()) > 0:
			return fmt.Errorf("%s: hooks left in error: %v", ev.Name, after.Errors())
		case len(res.Failed) > 0 || res.Started == 0:
			return fmt.Errorf("%s: workflows lost: %s; not completed %v", ev.Name, res, res.Failed)
		}
	}
	return nil
}

// waitRecreated waits until every unit has run pebble-ready since start
// (its new pod or container is up and its charm has seen it) and, for a
// new pod, has an address it did not have before.
func (s *Scenario) waitRecreated(ctx context.Context, before *Status, units []string, start time.Time, newAddr bool) error {
	old := map[string]string{}
	for _, a := range before.Applications {
		for name, u := range a.Units {
			old[name] = u.Address
		}
	}
	deadline := time.Now().Add(s.Timeouts.Settle)
	for {
		var waiting []string
		st, err := s.CLI.Status(ctx)
		if err != nil {
			return err
		}
		for _, unit := range units {
			addr := st.Applications[strings.SplitN(unit, "/", 2)[0]].Units[unit].Address
			if newAddr && (addr == "" || addr == old[unit]) {
				waiting = append(waiting, unit+" (same address)")
				continue
			}
			recs, err := s.CLI.Hooks(ctx, unit)
			if err != nil {
				return err
			}
			if !ranSince(recs, start, func(r hookRecord) bool { return r.Hook == "temporal-pebble-ready" && !r.Failed() }) {
				waiting = append(waiting, unit+" (no pebble-ready)")
			}
		}
		if len(waiting) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("units not recreated within %s: %v", s.Timeouts.Settle, waiting)
		}
		if err := sleep(ctx, time.Second); err != nil {
			return err
		}
	}
}

// failedHooksSince counts the hooks of the deployment's units that failed
// since t (each retried: Churn checks none is left in error).
func (s *Scenario) failedHooksSince(ctx context.Context, st *Status, t time.Time) (int, error) {
	n := 0
	for _, app := range []string{AppFrontend, AppHistory, AppMatching, AppWorker} {
		for _, unit := range st.Applications[app].UnitNames() {
			recs, err := s.CLI.Hooks(ctx, unit)
			if err != nil {
				return 0, err
			}
			for _, r := range recs {
				if !r.Started.Before(t) && r.Failed() {
					n++
					s.printf("failed hook on %s: %s: %s\n", unit, r.Name(), r.Error)
				}
			}
		}
	}
	return n, nil
}
