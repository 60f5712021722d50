package walkthrough

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// deployWithAdmin deploys the frontend application, PostgreSQL and the
// admin charm with the given options, related as on track 1.23 (no
// temporal-host-info: that track's cli reaches <server-name>:7236).
func (s *Scenario) deployWithAdmin(ctx context.Context, adminConfig ...string) error {
	if err := s.deploy(ctx, Charm, AppFrontend, "services=frontend"); err != nil {
		return err
	}
	if err := s.deploy(ctx, AppPostgreSQL, ""); err != nil {
		return err
	}
	if err := s.deploy(ctx, AppAdmin, "", adminConfig...); err != nil {
		return err
	}
	for _, rel := range [][2]string{
		{AppFrontend + ":db", AppPostgreSQL + ":database"},
		{AppFrontend + ":visibility", AppPostgreSQL + ":database"},
		{AppFrontend + ":admin", AppAdmin + ":admin"},
	} {
		if err := s.relate(ctx, rel[0], rel[1]); err != nil {
			return err
		}
	}
	return nil
}

// waitUnitStatus waits until unit has the workload status and a message
// containing msg, its agent idle, and no unit of the model in error.
func (s *Scenario) waitUnitStatus(ctx context.Context, unit, workload, msg string) (*Status, error) {
	app := strings.SplitN(unit, "/", 2)[0]
	return s.waitStatus(ctx, s.Timeouts.Deploy, func(st *Status) error {
		if errs := st.Errors(); len(errs) > 0 {
			return fmt.Errorf("hooks in error: %v", errs)
		}
		u, ok := st.Applications[app].Units[unit]
		if !ok {
			return fmt.Errorf("%s is not there yet", unit)
		}
		if u.WorkloadStatus.Current != workload || !strings.Contains(u.WorkloadStatus.Message, msg) || !u.idle() {
			return fmt.Errorf("%s is %s/%s: %q, want %s: %q", unit, u.WorkloadStatus.Current, u.JujuStatus.Current, u.WorkloadStatus.Message, workload, msg)
		}
		return nil
	})
}

// Admin123 runs the server with the track-1.23 admin protocol, twice on
// fresh models. First as that track's code is: it migrates with
// `--plugin postgres`, which the 1.31 rock's tool no longer has, so the
// admin blocks and the server waits for the schema, no hook failing; with
// that one word changed (sql-plugin=postgres12) the schema is set up, all
// goes active and its cli answers through <server-name>:7236. Then as the
// 1.23 admin's own image would migrate (schema-release=1.23: db 1.11,
// visibility 1.4): the 1.31 server refuses that schema at every start,
// and the unit must say so, blocked, not "temporal-server is backoff".
func (s *Scenario) Admin123(ctx context.Context) error {
	start := time.Now()
	if err := s.deployWithAdmin(ctx, "track=1.23"); err != nil {
		return err
	}
	if _, err := s.waitUnitStatus(ctx, AppAdmin+"/0", "blocked", "schema migration failed"); err != nil {
		return fmt.Errorf("the 1.23 admin on a 1.31 rock: %w", err)
	}
	if _, err := s.waitUnitStatus(ctx, AppFrontend+"/0", "waiting", "admin"); err != nil {
		return fmt.Errorf("the server with a 1.23 admin that cannot migrate: %w", err)
	}
	if err := s.run(ctx, "config", AppAdmin, "sql-plugin=postgres12"); err != nil {
		return err
	}
	if _, err := s.WaitSettled(ctx, map[string]int{AppFrontend: 1, AppPostgreSQL: 1, AppAdmin: 1}, s.Timeouts.Deploy); err != nil {
		return fmt.Errorf("the 1.23 admin with postgres12: %w", err)
	}
	res, err := s.CLI.RunAction(ctx, AppAdmin+"/0", "cli", "args=cluster health")
	if err != nil {
		return err
	}
	if out := res.Result("output"); !strings.HasSuffix(out, ": SERVING") {
		return fmt.Errorf("the 1.23 admin's cli says %q, want SERVING", out)
	}
	s.record("admin 1.23 (postgres12) → all active, cli SERVING", time.Since(start))

	start = time.Now()
	if err := s.Destroy(ctx); err != nil {
		return err
	}
	if err := s.Bootstrap(ctx); err != nil {
		return err
	}
	if err := s.deployWithAdmin(ctx, "track=1.23", "sql-plugin=postgres12", "schema-release=1.23"); err != nil {
		return err
	}
	st, err := s.waitUnitStatus(ctx, AppFrontend+"/0", "blocked", "has Temporal schema 1.11 but temporal-server 1.31.2 needs 1.19")
	if err != nil {
		return fmt.Errorf("a 1.31 server on the 1.23 schema: %w", err)
	}
	s.printf("%s: %s\n", AppFrontend+"/0", st.Applications[AppFrontend].Units[AppFrontend+"/0"].WorkloadStatus.Message)
	s.record("admin 1.23 schema → server blocked naming both versions", time.Since(start))
	return nil
}
