package walkthrough

import (
	"context"
	"fmt"
	"syscall"
	"time"
)

// DatabaseOutage is how long the database is cut off in Faults.
const DatabaseOutage = 30 * time.Second

// FaultEvents are the faults of issue "a model as strict as Juju": the
// database down for 30 s, a temporal-server process killed, the frontend
// leader's publish to the admin lost to a failed commit after a password
// rotation, and the frontend leader's unit removed. The last needs the
// highest unit to lead (bootstrap --elect highest, Units 2).
func (s *Scenario) FaultEvents() []ChurnEvent {
	return []ChurnEvent{{
		Name: fmt.Sprintf("the database down for %s (its pod cut off the network)", DatabaseOutage),
		Do: func(ctx context.Context, st *Status) ([]string, error) {
			unit := st.Applications[AppPostgreSQL].UnitNames()[0]
			return nil, s.run(ctx, "cut-network", unit, DatabaseOutage.String())
		},
		Wait: func(ctx context.Context, _ *Status, start time.Time) error {
			return sleep(ctx, time.Until(start.Add(DatabaseOutage)))
		},
	}, {
		Name: "a history server process killed (SIGKILL)",
		Do: func(ctx context.Context, st *Status) ([]string, error) {
			unit := st.Applications[AppHistory].UnitNames()[0]
			pid, err := serverPID(unit, "history")
			if err != nil {
				return nil, err
			}
			s.printf("$ kill -KILL %d   # temporal-server of %s\n", pid, unit)
			return []string{unit}, syscall.Kill(pid, syscall.SIGKILL)
		},
		Wait: func(ctx context.Context, st *Status, start time.Time) error {
			// Pebble starts it again (on-failure: restart).
			unit := st.Applications[AppHistory].UnitNames()[0]
			deadline := time.Now().Add(s.Timeouts.Settle)
			for {
				if _, err := serverPID(unit, "history"); err == nil {
					return nil
				} else if time.Now().After(deadline) {
					return err
				}
				if err := sleep(ctx, time.Second); err != nil {
					return err
				}
			}
		},
	}, {
		Name: "the frontend leader's next commit fails, then every database password is rotated",
		Do: func(ctx context.Context, st *Status) ([]string, error) {
			leader, _ := st.Leader(AppFrontend)
			if err := s.run(ctx, "fail-commit", leader, "1"); err != nil {
				return nil, err
			}
			pg, _ := st.Leader(AppPostgreSQL)
			_, err := s.CLI.RunAction(ctx, pg, "rotate-password")
			return []string{leader}, err
		},
		Wait: func(ctx context.Context, st *Status, start time.Time) error {
			// The failed hook is retried (5 s back-off) and publishes.
			leader, _ := st.Leader(AppFrontend)
			return s.waitHook(ctx, leader, start, func(r hookRecord) bool { return r.Failed() }, "a hook whose commit failed")
		},
		Check: func(ctx context.Context, start time.Time) error {
			// The admin saw the new connections: what the leader staged
			// in the failed hook was written again by its retry.
			return s.waitHook(ctx, AppAdmin+"/0", start, func(r hookRecord) bool {
				return r.Hook == "admin-relation-changed" && !r.Failed()
			}, "admin-relation-changed after the rotation")
		},
	}, {
		Name: "the frontend leader's unit removed (remove-unit --num-units 1), then the scale restored",
		Do: func(ctx context.Context, st *Status) ([]string, error) {
			units := st.Applications[AppFrontend].UnitNames()
			if leader, _ := st.Leader(AppFrontend); leader != units[len(units)-1] {
				// On Kubernetes remove-unit takes the highest units.
				return nil, fmt.Errorf("%s leads %s, not its highest unit: bootstrap with --elect highest", leader, AppFrontend)
			}
			return nil, s.run(ctx, "remove-unit", AppFrontend, "--num-units", "1")
		},
		Wait: func(ctx context.Context, st *Status, start time.Time) error {
			// Its lease is revoked once it is dead and another unit is
			// elected; then the operator scales back.
			next := st.Applications[AppFrontend].UnitNames()[0]
			if err := s.waitHook(ctx, next, start, func(r hookRecord) bool { return r.Hook == "leader-elected" && !r.Failed() }, "leader-elected"); err != nil {
				return err
			}
			return s.run(ctx, "scale-application", AppFrontend, "2")
		},
		// The admin still finds the server through what the old leader
		// published in temporal-host-info.
		Check: func(ctx context.Context, _ time.Time) error { return s.ClusterHealth(ctx) },
	}}
}

// Faults runs FaultEvents under load at scale 2, checked as Churn.
func (s *Scenario) Faults(ctx context.Context) error {
	return s.underLoad(ctx, "fault", s.FaultEvents())
}

// waitHook waits until unit ran a hook since start that match accepts.
func (s *Scenario) waitHook(ctx context.Context, unit string, start time.Time, match func(hookRecord) bool, what string) error {
	deadline := time.Now().Add(s.Timeouts.Settle)
	for {
		recs, err := s.CLI.Hooks(ctx, unit)
		if err != nil {
			return err
		}
		if ranSince(recs, start, match) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s ran no %s within %s", unit, what, s.Timeouts.Settle)
		}
		if err := sleep(ctx, time.Second); err != nil {
			return err
		}
	}
}
