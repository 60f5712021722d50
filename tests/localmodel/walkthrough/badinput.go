package walkthrough

import (
	"context"
	"fmt"
	"net"
	"strings"
	"time"
)

// LoadRate is the workflow starts a second the bad-input scenarios run
// under.
const LoadRate = 2

// BadInput puts bad partner data and options in front of a running split
// deployment under a steady workflow load and checks that the servers
// keep serving, that no hook fails and that every status says what is
// true. The model must be settled at scale 1. (A bogus secret-user is
// left to the unit tests: the postgresql stand-in's own hooks read that
// key back and would fail on it, as they should.)
func (s *Scenario) BadInput(ctx context.Context) error {
	status, err := s.CLI.Status(ctx)
	if err != nil {
		return err
	}
	// Clients reach the frontend through its Service.
	frontend := status.Applications[AppFrontend].Address
	if frontend == "" {
		return fmt.Errorf("%s has no service address", AppFrontend)
	}
	hostPort := net.JoinHostPort(frontend, "7233")
	temporalApps := []string{AppFrontend, AppHistory, AppMatching, AppWorker}

	scenarios := []struct {
		name string
		// apps are the applications the bad input reaches, want what
		// each of their units must say meanwhile.
		apps          []string
		want          func(StatusInfo) bool
		inject, reset func() error
	}{{
		name: "admin publishes schema_status=failed",
		apps: temporalApps,
		want: func(st StatusInfo) bool {
			return st.Current == "active" && st.Message == "the admin relation reports: schema is failed"
		},
		inject: func() error { return s.inject(ctx, AppAdmin, "key=schema_status", "value=failed") },
		reset:  func() error { return s.inject(ctx, AppAdmin, "restore=true") },
	}, {
		name: "admin publishes a garbage schema_status",
		apps: temporalApps,
		want: func(st StatusInfo) bool {
			return st.Current == "active" && strings.HasPrefix(st.Message, "the admin relation reports: schema is ")
		},
		inject: func() error { return s.inject(ctx, AppAdmin, "key=schema_status", "value="+strings.Repeat("?", 5000)) },
		reset:  func() error { return s.inject(ctx, AppAdmin, "restore=true") },
	}, {
		name: "postgresql publishes endpoints=[::1",
		apps: temporalApps,
		want: func(st StatusInfo) bool {
			return st.Current == "blocked" && strings.Contains(st.Message, `invalid endpoints "[::1": not host:port`)
		},
		inject: func() error { return s.inject(ctx, AppPostgreSQL, "key=endpoints", "value=[::1") },
		reset:  func() error { return s.inject(ctx, AppPostgreSQL, "restore=true") },
	}, {
		name: "history's db-name changed after deploy",
		apps: []string{AppHistory},
		want: func(st StatusInfo) bool {
			return st.Current == "blocked" && strings.Contains(st.Message, `db-name is locked at "temporal-k8s_db" and cannot change to "other_db"`)
		},
		inject: func() error { return s.run(ctx, "config", AppHistory, "db-name=other_db") },
		reset:  func() error { return s.run(ctx, "config", AppHistory, "db-name=temporal-k8s_db") },
	}}

	load, steady, err := StartSteadyLoad(ctx, hostPort, LoadRate, "bad-input")
	if err != nil {
		return fmt.Errorf("before the bad input: %w", err)
	}
	stopped := false
	defer func() {
		if !stopped {
			load.Stop(time.Second)
		}
	}()
	s.printf("bad input: %s\n", steady)
	for _, sc := range scenarios {
		start := time.Now()
		s.printf("bad input: %s\n", sc.name)
		// A stand-in's own hooks (update-status, a queued
		// relation-changed) may write its real values back before the
		// units see the bad ones, as the real charms would: inject again
		// until they do.
		var err error
		for attempt := 0; attempt < 8; attempt++ {
			if err = sc.inject(); err != nil {
				return fmt.Errorf("%s: %w", sc.name, err)
			}
			if err = s.waitUnits(ctx, sc.apps, sc.want, 15*time.Second); err == nil {
				break
			}
		}
		if err != nil {
			return fmt.Errorf("%s: %w", sc.name, err)
		}
		s.record("bad input: "+sc.name+" → every unit says so", time.Since(start))
		// Hold the bad input while the load runs and update-status
		// fires. A stand-in's own hooks may write its real values back
		// meanwhile, as the real charms would: inject again, and the
		// units must say so again.
		if err := sleep(ctx, 15*time.Second); err != nil {
			return err
		}
		if err := sc.inject(); err != nil {
			return fmt.Errorf("%s, again: %w", sc.name, err)
		}
		if err := s.waitUnits(ctx, sc.apps, sc.want, 30*time.Second); err != nil {
			return fmt.Errorf("%s, after 15 s: %w", sc.name, err)
		}
		reset := time.Now()
		if err := sc.reset(); err != nil {
			return fmt.Errorf("%s: reset: %w", sc.name, err)
		}
		if _, err := s.WaitSettled(ctx, s.scales(1), s.Timeouts.Settle); err != nil {
			return fmt.Errorf("%s: reset: %w", sc.name, err)
		}
		s.record("bad input: "+sc.name+" reset → all active/idle", time.Since(reset))
	}
	stopped = true
	res := load.Stop(2 * time.Minute)
	s.printf("bad input: load at %d/s through %s: %s\n", LoadRate, hostPort, res)
	if res.Refused > 0 || len(res.Failed) > 0 || res.Started == 0 {
		return fmt.Errorf("bad input hurt the running cluster: %s; refusals %v; not completed %v", res, res.Refusals, res.Failed)
	}
	return s.restartIsReported(ctx, hostPort)
}

// restartIsReported changes an option that needs a restart on history and
// checks that its unit never claims active while the server's port is
// closed, and that it says why while it restarts.
func (s *Scenario) restartIsReported(ctx context.Context, hostPort string) error {
	load, err := StartLoad(ctx, hostPort, LoadRate, "restart")
	if err != nil {
		return err
	}
	status, err := s.CLI.Status(ctx)
	if err != nil {
		load.Stop(time.Second)
		return err
	}
	unit := status.Applications[AppHistory].UnitNames()[0]
	historyAddr := net.JoinHostPort(status.Applications[AppHistory].Units[unit].Address, "7234")
	start := time.Now()
	if err := s.run(ctx, "config", AppHistory, "log-level=debug"); err != nil {
		load.Stop(time.Second)
		return err
	}
	var sawMaintenance, sawClosed bool
	var lies []string
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		status, err := s.CLI.Status(ctx)
		if err != nil {
			load.Stop(time.Second)
			return err
		}
		if errs := status.Errors(); len(errs) > 0 {
			load.Stop(time.Second)
			return fmt.Errorf("hooks in error: %v", errs)
		}
		u := status.Applications[AppHistory].Units[unit]
		// Status first, then the port: the charm says maintenance
		// before Pebble stops the server, so an active status read
		// before a closed port is a lie, not a race.
		open := dialOK(ctx, historyAddr)
		sawClosed = sawClosed || !open
		switch {
		case u.WorkloadStatus.Current == "maintenance" && strings.Contains(u.WorkloadStatus.Message, "restarting temporal-server"):
			sawMaintenance = true
		case u.WorkloadStatus.Current == "active" && !open:
			lies = append(lies, fmt.Sprintf("%s: active with %s closed", time.Since(start).Round(10*time.Millisecond), historyAddr))
		}
		if sawMaintenance && open && u.WorkloadStatus.Current == "active" && u.JujuStatus.Current == "idle" {
			break
		}
		if err := sleep(ctx, 100*time.Millisecond); err != nil {
			return err
		}
	}
	s.record("restart for log-level: back to active", time.Since(start))
	res := load.Stop(2 * time.Minute)
	s.printf("restart of %s under load: %s; refusals: %v\n", unit, res, res.Refusals)
	switch {
	case len(lies) > 0:
		return fmt.Errorf("%s claimed active while its server was down: %v", unit, lies)
	case !sawMaintenance:
		return fmt.Errorf("%s never said it was restarting (port closed seen: %v)", unit, sawClosed)
	case len(res.Failed) > 0:
		return fmt.Errorf("workflows lost across a restart: %v", res.Failed)
	}
	_, err = s.WaitSettled(ctx, s.scales(1), s.Timeouts.Settle)
	return err
}

// inject runs the stand-in's fault-injection action on its leader.
func (s *Scenario) inject(ctx context.Context, app string, params ...string) error {
	status, err := s.CLI.Status(ctx)
	if err != nil {
		return err
	}
	a := status.Applications[app]
	for _, name := range a.UnitNames() {
		if a.Units[name].Leader {
			_, err := s.CLI.RunAction(ctx, name, "inject-relation-data", params...)
			return err
		}
	}
	return fmt.Errorf("%s has no leader", app)
}

// waitUnits polls until every unit of apps has a workload status want
// accepts, failing at once if any hook is in error.
func (s *Scenario) waitUnits(ctx context.Context, apps []string, want func(StatusInfo) bool, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last string
	for {
		status, err := s.CLI.Status(ctx)
		if err != nil {
			return err
		}
		if errs := status.Errors(); len(errs) > 0 {
			return fmt.Errorf("hooks in error: %v", errs)
		}
		last = ""
		for _, app := range apps {
			a := status.Applications[app]
			for _, name := range a.UnitNames() {
				if st := a.Units[name].WorkloadStatus; !want(st) && last == "" {
					last = fmt.Sprintf("%s is %s: %s", name, st.Current, st.Message)
				}
			}
		}
		if last == "" {
			return nil
		}
		if time.Now().After(deadline) {
			status.Print(s.Out)
			return fmt.Errorf("not every unit says so within %s: %s", timeout, last)
		}
		if err := sleep(ctx, s.Poll); err != nil {
			return err
		}
	}
}

func dialOK(ctx context.Context, addr string) bool {
	d := net.Dialer{Timeout: 500 * time.Millisecond}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return false
	}
	conn.Close()
	return true
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}
