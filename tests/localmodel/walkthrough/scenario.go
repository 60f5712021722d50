package walkthrough

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Application names, as in the README.
const (
	AppFrontend   = "temporal-k8s"
	AppHistory    = "temporal-k8s-history"
	AppMatching   = "temporal-k8s-matching"
	AppWorker     = "temporal-k8s-worker"
	AppPostgreSQL = "postgresql-k8s"
	AppAdmin      = "temporal-admin-k8s"
	AppPrometheus = "prometheus-k8s"
	AppLoki       = "loki-k8s"
	AppGrafana    = "grafana-k8s"
	AppUI         = "temporal-ui-k8s"
	// Charm is the charm every Temporal application runs.
	Charm = "temporal-k8s"
)

// Timeouts bound each wait. They are generous: a cold first start on a
// two-core machine takes minutes.
type Timeouts struct {
	Deploy    time.Duration
	Settle    time.Duration
	Members   time.Duration
	Workflow  time.Duration
	ScaleDown time.Duration
}

// DefaultTimeouts suit a small CI machine.
var DefaultTimeouts = Timeouts{
	Deploy:    15 * time.Minute,
	Settle:    10 * time.Minute,
	Members:   5 * time.Minute,
	Workflow:  5 * time.Minute,
	ScaleDown: 5 * time.Minute,
}

// Scenario runs the walkthrough against one model.
type Scenario struct {
	CLI CLI
	// Out receives the walkthrough's narrative: commands, status tables,
	// cluster descriptions and timings.
	Out io.Writer
	// Resources overrides deploy's resources by resource name (for
	// example temporal-server-image=<rock dir>); empty uses the charm
	// repository's defaults.
	Resources map[string]string
	// UpdateStatusInterval is passed to bootstrap when set.
	UpdateStatusInterval time.Duration
	// BootstrapArgs are extra bootstrap options (e.g. --prefix, --subnet
	// to run beside another model).
	BootstrapArgs []string
	Timeouts      Timeouts
	// Poll is the interval between status checks.
	Poll time.Duration
	// Timings records what was measured, by name, in order.
	Timings []Timing
	// Services says which application runs which service.
	Services []Service
	// PostgresConfig and TemporalConfig are extra key=value options
	// Deploy gives postgresql-k8s and every temporal-k8s application.
	PostgresConfig, TemporalConfig []string
	// Units is how many units Deploy gives each temporal-k8s
	// application (juju deploy -n); zero means one.
	Units int
	// Chromium is the headless browser the UI check drives.
	Chromium string
	// ArtifactDir receives what the walkthrough saves to look at later
	// (the UI's screenshot); a temporary directory when empty.
	ArtifactDir string
	// Completed are the IDs of the workflows Workflows saw complete, in
	// order.
	Completed []string
	// Screenshot is where CheckUI saved the UI's workflow list.
	Screenshot string
}

// Timing is one measured duration.
type Timing struct {
	Name     string
	Duration time.Duration
}

// New returns a scenario with the README's split deployment.
func New(cli CLI, out io.Writer) *Scenario {
	return &Scenario{CLI: cli, Out: out, Timeouts: DefaultTimeouts, Poll: 200 * time.Millisecond, Services: SplitServices}
}

func (s *Scenario) printf(format string, a ...any) {
	fmt.Fprintf(s.Out, format, a...)
}

func (s *Scenario) record(name string, d time.Duration) {
	s.Timings = append(s.Timings, Timing{Name: name, Duration: d})
	s.printf("⏱  %s: %s\n", name, d.Round(100*time.Millisecond))
}

func (s *Scenario) run(ctx context.Context, args ...string) error {
	_, err := s.CLI.Run(ctx, args...)
	return err
}

// Bootstrap creates the model.
func (s *Scenario) Bootstrap(ctx context.Context) error {
	args := []string{"bootstrap"}
	if s.UpdateStatusInterval > 0 {
		args = append(args, "--update-status-interval", s.UpdateStatusInterval.String())
	}
	return s.run(ctx, append(args, s.BootstrapArgs...)...)
}

// Destroy removes the model and everything in it.
func (s *Scenario) Destroy(ctx context.Context) error {
	return s.run(ctx, "destroy")
}

// units is Units, at least one.
func (s *Scenario) units() int {
	return max(s.Units, 1)
}

func (s *Scenario) deploy(ctx context.Context, charm, app string, config ...string) error {
	args := []string{"deploy", charm}
	if app != "" && app != charm {
		args = append(args, app)
	}
	if charm == Charm && s.units() > 1 {
		args = append(args, "-n", strconv.Itoa(s.units()))
	}
	for _, kv := range config {
		args = append(args, "--config", kv)
	}
	names := make([]string, 0, len(s.Resources))
	for name := range s.Resources {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if resourceOf(charm) == name {
			args = append(args, "--resource", name+"="+s.Resources[name])
		}
	}
	return s.run(ctx, args...)
}

// resourceOf names each charm's one OCI image resource; "" for a charm
// without a container.
func resourceOf(charm string) string {
	switch charm {
	case AppCA:
		return ""
	case AppPostgreSQL:
		return "postgresql-image"
	case AppAdmin:
		return "temporal-admin-image"
	case AppPrometheus:
		return "prometheus-image"
	case AppLoki:
		return "loki-image"
	case AppGrafana:
		return "grafana-image"
	case AppUI:
		return "temporal-ui-image"
	case AppTraefik:
		return "traefik-image"
	case AppIntegrator:
		return "nginx-image"
	}
	return "temporal-server-image"
}

func (s *Scenario) relate(ctx context.Context, a, b string) error {
	return s.run(ctx, "relate", a, b)
}

// Deploy is the README's first part: the four services, PostgreSQL and
// the admin charm, with the frontend related first and the other three
// once it is active. It returns when every unit is active and idle, and
// records how long that took from the first deploy.
func (s *Scenario) Deploy(ctx context.Context) error {
	start := time.Now()
	for _, svc := range SplitServices {
		if err := s.deploy(ctx, Charm, svc.App, append([]string{"services=" + svc.Role}, s.TemporalConfig...)...); err != nil {
			return err
		}
	}
	if err := s.deploy(ctx, AppPostgreSQL, "", s.PostgresConfig...); err != nil {
		return err
	}
	for _, ep := range []string{"db", "visibility"} {
		if err := s.relate(ctx, AppFrontend+":"+ep, AppPostgreSQL+":database"); err != nil {
			return err
		}
	}
	if err := s.deploy(ctx, AppAdmin, ""); err != nil {
		return err
	}
	if err := s.relate(ctx, AppFrontend+":admin", AppAdmin+":admin"); err != nil {
		return err
	}
	// Current admin revisions find the server through temporal-host-info.
	if err := s.relate(ctx, AppFrontend+":temporal-host-info", AppAdmin+":temporal-host-info"); err != nil {
		return err
	}
	s.printf("# waiting for %s to be active before relating the other services\n", AppFrontend)
	if _, err := s.WaitSettled(ctx, map[string]int{AppFrontend: s.units(), AppPostgreSQL: 1, AppAdmin: 1}, s.Timeouts.Deploy); err != nil {
		return err
	}
	s.record("first deploy → "+AppFrontend+" active", time.Since(start))
	for _, app := range []string{AppHistory, AppMatching, AppWorker} {
		for _, rel := range [][2]string{{app + ":db", AppPostgreSQL + ":database"}, {app + ":visibility", AppPostgreSQL + ":database"}, {app + ":admin", AppAdmin + ":admin"}} {
			if err := s.relate(ctx, rel[0], rel[1]); err != nil {
				return err
			}
		}
	}
	if _, err := s.WaitSettled(ctx, s.scales(s.units()), s.Timeouts.Deploy); err != nil {
		return err
	}
	s.record("first deploy → all units active/idle", time.Since(start))
	return s.ClusterHealth(ctx)
}

// scales is every application at scale n, PostgreSQL and admin at 1.
func (s *Scenario) scales(n int) map[string]int {
	out := map[string]int{AppPostgreSQL: 1, AppAdmin: 1}
	for _, svc := range s.Services {
		out[svc.App] = n
	}
	return out
}

// settledPolls is how many polls in a row must find the model settled: one
// good poll can catch a unit between two hooks (the model starts a unit's
// next hook within a millisecond of the last one; two polls 200 ms apart
// do not both fall in such gaps). A settled model is noticed within
// ~0.4 s rather than the ~2 s of two one-second polls.
const settledPolls = 2

// WaitSettled polls status until every application has its scale and all
// units are active and idle, settledPolls times in a row.
func (s *Scenario) WaitSettled(ctx context.Context, scales map[string]int, timeout time.Duration) (*Status, error) {
	return s.waitStatus(ctx, timeout, func(st *Status) error { return st.Settled(scales) })
}

// waitStatus polls status until check passes settledPolls times in a row.
func (s *Scenario) waitStatus(ctx context.Context, timeout time.Duration, check func(*Status) error) (*Status, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error
	var lastStatus *Status
	good := 0
	for {
		status, err := s.CLI.Status(ctx)
		if err == nil {
			lastStatus = status
			err = check(status)
		}
		if err == nil {
			good++
			if good >= settledPolls {
				return status, nil
			}
		} else {
			good = 0
			last = err
		}
		select {
		case <-ctx.Done():
			if lastStatus != nil {
				lastStatus.Print(s.Out)
			}
			return nil, fmt.Errorf("model did not settle within %s: %v", timeout, last)
		case <-time.After(s.Poll):
		}
	}
}

// PrintStatus prints the model's status.
func (s *Scenario) PrintStatus(ctx context.Context) (*Status, error) {
	status, err := s.CLI.Status(ctx)
	if err != nil {
		return nil, err
	}
	s.printf("$ localmodel status\n")
	status.Print(s.Out)
	return status, nil
}

// Workflows runs one workflow through the frontend application's Service,
// as a client in the cluster does: the Service forwards only the ports the
// charm opened, and only to ready pods.
func (s *Scenario) Workflows(ctx context.Context, status *Status, step string) error {
	frontend := s.frontendApp()
	addr := status.Applications[frontend].Address
	if addr == "" {
		return fmt.Errorf("%s has no service address", frontend)
	}
	hostPort := net.JoinHostPort(addr, "7233")
	ctx, cancel := context.WithTimeout(ctx, s.Timeouts.Workflow)
	defer cancel()
	start := time.Now()
	result, id, err := RunWorkflow(ctx, hostPort, workflowID(step))
	if err != nil {
		return err
	}
	s.Completed = append(s.Completed, id)
	s.printf("workflow through the %s service %s: %q in %s\n", frontend, hostPort, result, time.Since(start).Round(100*time.Millisecond))
	return nil
}

// Check verifies the membership against status and runs workflows: the
// README's checks after each step.
func (s *Scenario) Check(ctx context.Context, n int, step string) error {
	d, out, status, err := s.WaitMembership(ctx, s.scales(n), s.Timeouts.Members)
	if err != nil {
		return err
	}
	status.Print(s.Out)
	s.PrintDescription(out)
	s.printf("membership: %d members over %d service rings, %d reachable\n", MemberCount(d), len(s.Services), len(d.MembershipInfo.ReachableMembers))
	if err := s.Workflows(ctx, status, step); err != nil {
		return err
	}
	return s.CheckDescribeCluster(ctx, status)
}

// RunAll runs the README from bootstrap to scaling back down. The caller
// destroys the model.
func (s *Scenario) RunAll(ctx context.Context) error {
	steps := []struct {
		name string
		fn   func(context.Context) error
	}{
		{"bootstrap", s.Bootstrap},
		{"deploy and relate", s.Deploy},
		{"four services, one member each", func(ctx context.Context) error { return s.Check(ctx, 1, "deploy") }},
		{"COS: Prometheus scrapes every unit, Loki receives every unit's logs", func(ctx context.Context) error { return s.Observe(ctx, 1) }},
		{"the Temporal UI shows the workflow", s.UI},
		{"scale to 2", func(ctx context.Context) error { return s.ScaleUp(ctx, 2) }},
		{"eight members, two per ring", func(ctx context.Context) error { return s.Check(ctx, 2, "scale-up") }},
		{"Prometheus and Loki hear from the new units", func(ctx context.Context) error { return s.CheckObserved(ctx, 2) }},
		{"scale back to 1", func(ctx context.Context) error { return s.ScaleDown(ctx, 1) }},
		{"four members again", func(ctx context.Context) error { return s.Check(ctx, 1, "scale-down") }},
	}
	for i, step := range steps {
		s.printf("\n## %d. %s\n", i+1, step.name)
		start := time.Now()
		if err := step.fn(ctx); err != nil {
			s.dumpOnFailure(ctx)
			return fmt.Errorf("step %d (%s): %w", i+1, step.name, err)
		}
		s.printf("(step took %s)\n", time.Since(start).Round(100*time.Millisecond))
	}
	s.PrintTimings()
	return nil
}

// dumpOnFailure prints what there is to see when a step fails.
func (s *Scenario) dumpOnFailure(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	status, err := s.PrintStatus(ctx)
	if err != nil {
		s.printf("cannot read status: %v\n", err)
		return
	}
	if errs := status.Errors(); len(errs) > 0 {
		s.printf("units in error: %s\n", strings.Join(errs, "; "))
	}
}

// PrintTimings prints every measured duration.
func (s *Scenario) PrintTimings() {
	s.printf("\n## timings\n")
	for _, t := range s.Timings {
		s.printf("%-55s %s\n", t.Name, t.Duration.Round(100*time.Millisecond))
	}
}

// AllInOneScenario deploys one temporal-k8s application running every
// service (services unset) with PostgreSQL and admin, on a fresh model,
// and checks it like the split deployment.
func (s *Scenario) AllInOneScenario(ctx context.Context) error {
	s.Services = AllInOne(AppFrontend)
	start := time.Now()
	if err := s.deploy(ctx, Charm, AppFrontend); err != nil {
		return err
	}
	if err := s.deploy(ctx, AppPostgreSQL, ""); err != nil {
		return err
	}
	if err := s.deploy(ctx, AppAdmin, ""); err != nil {
		return err
	}
	for _, rel := range [][2]string{{AppFrontend + ":db", AppPostgreSQL + ":database"}, {AppFrontend + ":visibility", AppPostgreSQL + ":database"}, {AppFrontend + ":admin", AppAdmin + ":admin"}} {
		if err := s.relate(ctx, rel[0], rel[1]); err != nil {
			return err
		}
	}
	if _, err := s.WaitSettled(ctx, s.scales(1), s.Timeouts.Deploy); err != nil {
		return err
	}
	s.record("all-in-one: first deploy → all units active/idle", time.Since(start))
	return s.Check(ctx, 1, "all-in-one")
}

var errNoOutput = errors.New("empty output")

func jsonUnmarshal(s string, v any) error {
	if s == "" {
		return errNoOutput
	}
	return json.Unmarshal([]byte(s), v)
}
