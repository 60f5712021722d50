package walkthrough

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/canonical/pebble/client"
)

// The files the server's passwordCommand reads (the charm's
// internal/temporal DBPasswordPath and VisibilityPasswordPath).
var passwordFiles = []string{"/etc/temporal/config/db-password", "/etc/temporal/config/visibility-password"}

// PasswordRotation rotates every database password at once under a steady
// workflow load, as postgresql-k8s's rotation does (ALTER ROLE, then the
// new password in the relation's secret): each unit writes its new
// passwords to the files its server's passwordCommand reads for every
// new connection. No unit restarts and the clients see no refused start.
// Then every server session is ended in PostgreSQL, so that each
// connection after is a new one, authenticated with the new password: the
// load must become steady again and every workflow complete.
func (s *Scenario) PasswordRotation(ctx context.Context) error {
	status, err := s.CLI.Status(ctx)
	if err != nil {
		return err
	}
	apps := []string{AppFrontend, AppHistory, AppMatching, AppWorker}
	var units []string
	for _, app := range apps {
		units = append(units, status.Applications[app].UnitNames()...)
	}
	since := map[string]time.Time{}
	before := map[string][]string{}
	for _, u := range units {
		if since[u], err = s.serverSince(ctx, u); err != nil {
			return err
		}
		if before[u], err = readPasswords(u); err != nil {
			return err
		}
	}
	hostPort := net.JoinHostPort(status.Applications[AppFrontend].Address, "7233")
	load, steady, err := StartSteadyLoad(ctx, hostPort, RollingRate, "password")
	if err != nil {
		return fmt.Errorf("before the rotation: %w", err)
	}
	s.printf("password rotation (%s)\n", steady)
	start := time.Now()
	leader, _ := status.Leader(AppPostgreSQL)
	res, err := s.CLI.RunAction(ctx, leader, "rotate-password")
	if err == nil {
		s.printf("rotated: %s\n", res.Result("rotated-users"))
		err = s.waitPasswords(ctx, units, before)
	}
	if err == nil {
		s.record("every database password rotated → every unit's files written", time.Since(start))
		// The servers keep working across and after the change.
		err = sleep(ctx, 10*time.Second)
	}
	result := load.Stop(2 * time.Minute)
	s.printf("password rotation, load at %d/s: %s\n", RollingRate, result)
	switch {
	case err != nil:
		return err
	case result.Refused > 0 || len(result.Failed) > 0 || result.Started == 0:
		return fmt.Errorf("clients saw an outage as the passwords were rotated: %s; refusals %v; not completed %v", result, result.Refusals, result.Failed)
	case result.P99 >= 2*time.Second:
		return fmt.Errorf("start latency p99 %s as the passwords were rotated, want under 2 s", result.P99)
	}
	for _, u := range units {
		now, err := s.serverSince(ctx, u)
		if err != nil {
			return err
		}
		if !now.Equal(since[u]) {
			return fmt.Errorf("%s's server restarted for a new password (started %s, before %s)", u, now, since[u])
		}
	}

	// Every session the servers opened before ends: from here on each
	// connection is new.
	out, err := s.psql(ctx, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename LIKE 'relation_id_%'")
	if err != nil {
		return err
	}
	ended, err := strconv.Atoi(strings.TrimSpace(out))
	if err != nil || ended == 0 {
		return fmt.Errorf("no server session to end: %q", out)
	}
	s.printf("ended the servers' %d database sessions\n", ended)
	cut := time.Now()
	load, steady, err = StartSteadyLoad(ctx, hostPort, RollingRate, "password-after")
	if err != nil {
		return fmt.Errorf("after the servers' sessions were ended: %w", err)
	}
	s.record("sessions ended → the load steady again", time.Since(cut))
	err = sleep(ctx, 5*time.Second)
	result = load.Stop(2 * time.Minute)
	s.printf("after the sessions were ended (%s): %s\n", steady, result)
	if err != nil {
		return err
	}
	if len(result.Failed) > 0 || result.Completed == 0 {
		return fmt.Errorf("workflows lost on new connections: %s; not completed %v", result, result.Failed)
	}
	users, err := s.psql(ctx, "SELECT count(DISTINCT usename) FROM pg_stat_activity WHERE usename LIKE 'relation_id_%'")
	if err != nil {
		return err
	}
	s.printf("relation users with new sessions: %s\n", strings.TrimSpace(users))
	return nil
}

// waitPasswords waits until every unit's password files differ from
// before.
func (s *Scenario) waitPasswords(ctx context.Context, units []string, before map[string][]string) error {
	deadline := time.Now().Add(s.Timeouts.Settle)
	for {
		var stale []string
		for _, u := range units {
			now, err := readPasswords(u)
			if err != nil {
				return err
			}
			for i, p := range now {
				if p == before[u][i] {
					stale = append(stale, u+":"+passwordFiles[i])
				}
			}
		}
		if len(stale) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("passwords not rewritten within %s: %v", s.Timeouts.Settle, stale)
		}
		if err := sleep(ctx, s.Poll); err != nil {
			return err
		}
	}
}

// readPasswords reads a unit's password files through its workload's
// Pebble.
func readPasswords(unit string) ([]string, error) {
	cl, err := podPebble(unit, "temporal")
	if err != nil {
		return nil, err
	}
	defer cl.CloseIdleConnections()
	var out []string
	for _, path := range passwordFiles {
		var b strings.Builder
		if err := cl.Pull(&client.PullOptions{Path: path, Target: &b}); err != nil {
			return nil, fmt.Errorf("cannot read %s of %s: %w", path, unit, err)
		}
		if b.Len() == 0 {
			return nil, fmt.Errorf("%s of %s is empty", path, unit)
		}
		out = append(out, b.String())
	}
	return out, nil
}
