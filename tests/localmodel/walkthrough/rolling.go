package walkthrough

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// RollingRate is the workflow starts a second the rolling restarts run
// under.
const RollingRate = 10

// HungDetection bounds how long a hung server's unit may still say
// active: the check runs every 3 s and gives up after 1 s (the checker
// after 0.8 s), so it is down at most ~4 s after the stop; Pebble's
// notice then runs pebble-check-failed, which on a loaded two-core CI
// machine takes up to a few seconds more.
const HungDetection = 8 * time.Second

// SingleRestarts force-restarts the one unit of the frontend and of history
// at scale 1 under load, where nobody can serve in its place, and reports
// the window in which workflow starts were refused.
func (s *Scenario) SingleRestarts(ctx context.Context) error {
	status, err := s.CLI.Status(ctx)
	if err != nil {
		return err
	}
	hostPort := net.JoinHostPort(status.Applications[AppFrontend].Address, "7233")
	for _, app := range []string{AppFrontend, AppHistory} {
		unit := status.Applications[app].UnitNames()[0]
		load, err := StartLoad(ctx, hostPort, RollingRate, "single")
		if err != nil {
			return err
		}
		if err := sleep(ctx, 5*time.Second); err != nil {
			load.Stop(time.Second)
			return err
		}
		start := time.Now()
		_, err = s.CLI.RunAction(ctx, unit, "restart", "force=true")
		if err == nil {
			_, err = s.WaitSettled(ctx, s.scales(1), s.Timeouts.Settle)
		}
		if err == nil {
			err = sleep(ctx, 10*time.Second)
		}
		res := load.Stop(2 * time.Minute)
		s.record("single restart of "+unit+" → settled", time.Since(start))
		s.printf("single restart of %s at scale 1, load at %d/s: %s\n", unit, RollingRate, res)
		if err != nil {
			return fmt.Errorf("restart of %s: %w", unit, err)
		}
		if len(res.Failed) > 0 {
			return fmt.Errorf("workflows lost across the restart of %s: %v", unit, res.Failed)
		}
	}
	return nil
}

// Rolling restarts every unit of a deployment at scale 2, two ways, under
// a steady workflow load: a restart-requiring option changed on every
// application, and the restart action run on every unit at once (a
// rotated password restarts nothing: see PasswordRotation). The restart
// lock must keep at most one unit of an application restarting at any
// time, every unit must restart, and the clients must see no refused
// start.
func (s *Scenario) Rolling(ctx context.Context) error {
	status, err := s.CLI.Status(ctx)
	if err != nil {
		return err
	}
	hostPort := net.JoinHostPort(status.Applications[AppFrontend].Address, "7233")
	apps := []string{AppFrontend, AppHistory, AppMatching, AppWorker}
	// Any restart-requiring value does; warning rather than debug, whose
	// flood of lines from eight servers on two cores would be the load
	// the second scenario measures.
	level := "warning"
	scenarios := []struct {
		name    string
		trigger func() error
	}{{
		name: "log-level changed on every application",
		trigger: func() error {
			for _, app := range apps {
				if err := s.run(ctx, "config", app, "log-level="+level); err != nil {
					return err
				}
			}
			return nil
		},
	}, {
		name: "restart action on every unit at once",
		trigger: func() error {
			var wg sync.WaitGroup
			var mu sync.Mutex
			var errs []error
			for _, app := range apps {
				for _, unit := range status.Applications[app].UnitNames() {
					wg.Go(func() {
						if _, err := s.CLI.RunAction(ctx, unit, "restart"); err != nil {
							mu.Lock()
							errs = append(errs, err)
							mu.Unlock()
						}
					})
				}
			}
			wg.Wait()
			return errors.Join(errs...)
		},
	}}
	for _, sc := range scenarios {
		load, steady, err := StartSteadyLoad(ctx, hostPort, RollingRate, "rolling")
		if err != nil {
			return fmt.Errorf("%s: before the restarts: %w", sc.name, err)
		}
		start := time.Now()
		s.printf("rolling: %s (%s)\n", sc.name, steady)
		watch := s.watchRestarts(ctx, apps)
		if err := sc.trigger(); err != nil {
			watch.stop()
			load.Stop(time.Second)
			return fmt.Errorf("%s: %w", sc.name, err)
		}
		restarted, overlap, err := watch.waitAll(ctx, 10*time.Minute)
		res := load.Stop(2 * time.Minute)
		s.record("rolling: "+sc.name+" → every unit restarted and serving", time.Since(start))
		s.printf("rolling: %s: %d restarts; load at %d/s: %s\n", sc.name, len(restarted), RollingRate, res)
		switch {
		case err != nil:
			return fmt.Errorf("%s: %w", sc.name, err)
		case len(overlap) > 0:
			return fmt.Errorf("%s: units of one application restarted together: %v", sc.name, overlap)
		case res.Refused > 0 || len(res.Failed) > 0 || res.Started == 0:
			return fmt.Errorf("%s: clients saw an outage: %s; refusals %v; not completed %v", sc.name, res, res.Refusals, res.Failed)
		case res.P99 >= 2*time.Second:
			return fmt.Errorf("%s: start latency p99 %s, want under 2 s", sc.name, res.P99)
		}
	}
	return nil
}

// restartWatch polls status and records, per unit, whether it was seen
// restarting (maintenance "restarting temporal-server…"), and every moment
// two units of one application were.
type restartWatch struct {
	s      *Scenario
	apps   []string
	cancel context.CancelFunc
	done   chan struct{}

	mu        sync.Mutex
	restarted map[string]bool
	overlap   []string
	settled   bool
	err       error
}

func (s *Scenario) watchRestarts(ctx context.Context, apps []string) *restartWatch {
	ctx, cancel := context.WithCancel(ctx)
	w := &restartWatch{s: s, apps: apps, cancel: cancel, done: make(chan struct{}), restarted: map[string]bool{}}
	go w.run(ctx)
	return w
}

func (w *restartWatch) run(ctx context.Context) {
	defer close(w.done)
	for {
		status, err := w.s.CLI.Status(ctx)
		if ctx.Err() != nil {
			return
		}
		w.mu.Lock()
		if err == nil {
			if errs := status.Errors(); len(errs) > 0 {
				w.err = fmt.Errorf("hooks in error: %v", errs)
			}
			settled := true
			for _, app := range w.apps {
				var now []string
				a := status.Applications[app]
				for _, name := range a.UnitNames() {
					u := a.Units[name]
					if u.WorkloadStatus.Current == "maintenance" && strings.HasPrefix(u.WorkloadStatus.Message, "restarting temporal-server") {
						now = append(now, name)
						w.restarted[name] = true
					}
					if u.WorkloadStatus.Current != "active" || u.WorkloadStatus.Message != "" || !u.idle() || !w.restarted[name] {
						settled = false
					}
				}
				if pair := strings.Join(now, " and "); len(now) > 1 && !slices.Contains(w.overlap, pair) {
					w.overlap = append(w.overlap, pair)
				}
			}
			w.settled = settled
		}
		w.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-time.After(w.s.Poll):
		}
	}
}

func (w *restartWatch) stop() {
	w.cancel()
	<-w.done
}

// waitAll waits until every unit was seen restarting and all are active
// and idle again with nothing pending.
func (w *restartWatch) waitAll(ctx context.Context, timeout time.Duration) (restarted []string, overlap []string, err error) {
	defer w.stop()
	deadline := time.Now().Add(timeout)
	good := 0
	for {
		w.mu.Lock()
		settled, werr := w.settled, w.err
		w.mu.Unlock()
		if werr != nil {
			return nil, nil, werr
		}
		if settled {
			good++
		} else {
			good = 0
		}
		if good >= settledPolls || time.Now().After(deadline) {
			break
		}
		if err := sleep(ctx, w.s.Poll); err != nil {
			return nil, nil, err
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for u := range w.restarted {
		restarted = append(restarted, u)
	}
	if good < settledPolls {
		return restarted, w.overlap, fmt.Errorf("not every unit restarted and settled within %s (restarted: %v)", timeout, restarted)
	}
	return restarted, w.overlap, nil
}

// HungServer stops the server process of one history unit with SIGSTOP for
// hold, as a hung process would be: its unit must leave active within one
// check period and some hooks, and be active again after SIGCONT.
func (s *Scenario) HungServer(ctx context.Context, hold time.Duration) error {
	status, err := s.CLI.Status(ctx)
	if err != nil {
		return err
	}
	unit := status.Applications[AppHistory].UnitNames()[0]
	pid, err := serverPID(unit, "history")
	if err != nil {
		return err
	}
	s.printf("hung server: SIGSTOP to %s's temporal-server (pid %d) for %s\n", unit, pid, hold)
	stopped := time.Now()
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		return fmt.Errorf("cannot stop pid %d: %w", pid, err)
	}
	resumed := false
	defer func() {
		if !resumed {
			_ = syscall.Kill(pid, syscall.SIGCONT)
		}
	}()
	notActive := func(st StatusInfo) bool { return st.Current != "active" }
	if err := s.waitUnit(ctx, AppHistory, unit, notActive, HungDetection); err != nil {
		return fmt.Errorf("a hung server: %w", err)
	}
	s.record("hung server: SIGSTOP → unit leaves active", time.Since(stopped))
	if err := sleep(ctx, time.Until(stopped.Add(hold))); err != nil {
		return err
	}
	if err := syscall.Kill(pid, syscall.SIGCONT); err != nil {
		return fmt.Errorf("cannot resume pid %d: %w", pid, err)
	}
	resumed = true
	cont := time.Now()
	active := func(st StatusInfo) bool { return st.Current == "active" && st.Message == "" }
	if err := s.waitUnit(ctx, AppHistory, unit, active, 30*time.Second); err != nil {
		return fmt.Errorf("after SIGCONT: %w", err)
	}
	s.record("hung server: SIGCONT → unit active again", time.Since(cont))
	return nil
}

// waitUnit polls until one unit's workload status satisfies want.
func (s *Scenario) waitUnit(ctx context.Context, app, unit string, want func(StatusInfo) bool, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		status, err := s.CLI.Status(ctx)
		if err != nil {
			return err
		}
		st := status.Applications[app].Units[unit].WorkloadStatus
		if want(st) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s is still %s (%s) after %s", unit, st.Current, st.Message, timeout)
		}
		if err := sleep(ctx, s.Poll); err != nil {
			return err
		}
	}
}

// serverPID finds the temporal-server of a unit's pod on this host: the
// process runs --service=role, chrooted into a root whose path names the
// unit's pod.
func serverPID(unit, role string) (int, error) {
	pod := strings.ReplaceAll(unit, "/", "-")
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	var found []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmd, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || !strings.Contains(string(cmd), "temporal-server\x00") || !strings.Contains(string(cmd), "--service="+role) {
			continue
		}
		root, err := os.Readlink(filepath.Join("/proc", e.Name(), "root"))
		if err != nil || !strings.Contains(root, "/pods/"+pod+"/") {
			continue
		}
		found = append(found, pid)
	}
	if len(found) != 1 {
		return 0, fmt.Errorf("cannot find the one temporal-server --service=%s of %s: found %v", role, unit, found)
	}
	return found[0], nil
}
