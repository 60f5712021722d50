package walkthrough

import (
	"context"
	"fmt"
	"strings"
	"time"

	temporaladmin "github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/temporal-admin-k8s"
)

// Describe runs the README's admin command and parses its output.
func (s *Scenario) Describe(ctx context.Context) (temporaladmin.Description, string, error) {
	res, err := s.CLI.RunAction(ctx, AppAdmin+"/0", "tctl", "args=adm cl d")
	if err != nil {
		return temporaladmin.Description{}, "", err
	}
	out := res.Result("output")
	var d temporaladmin.Description
	if err := jsonUnmarshal(out, &d); err != nil {
		return temporaladmin.Description{}, out, fmt.Errorf("cannot parse the cluster description: %w", err)
	}
	if got := res.Result("result"); got != "command succeeded" {
		return d, out, fmt.Errorf("tctl result is %q, want %q", got, "command succeeded")
	}
	return d, out, nil
}

// PrintDescription prints a description as juju run shows it.
func (s *Scenario) PrintDescription(out string) {
	s.printf("$ localmodel run %s/0 tctl args=\"adm cl d\"\noutput: |\n", AppAdmin)
	for _, line := range strings.Split(out, "\n") {
		s.printf("  %s\n", line)
	}
	s.printf("result: command succeeded\n")
}

// WaitMembership polls the cluster description until its rings match the
// units in status (all active and idle at the given scales). It returns
// the matching description, its raw output and the status.
func (s *Scenario) WaitMembership(ctx context.Context, scales map[string]int, timeout time.Duration) (temporaladmin.Description, string, *Status, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error
	for {
		status, err := s.CLI.Status(ctx)
		if err == nil {
			err = status.Settled(scales)
		}
		if err == nil {
			var d temporaladmin.Description
			var out string
			d, out, err = s.Describe(ctx)
			if err == nil {
				err = CheckMembership(d, status, s.Services)
				if err == nil {
					return d, out, status, nil
				}
			}
		}
		last = err
		select {
		case <-ctx.Done():
			return temporaladmin.Description{}, "", nil, fmt.Errorf("membership did not match within %s: %v", timeout, last)
		case <-time.After(s.Poll):
		}
	}
}

// CheckDescribeCluster runs the charm's describe-cluster action on a
// frontend unit, the membership view for admin revisions whose cli has
// none, and checks each service ring against status.
func (s *Scenario) CheckDescribeCluster(ctx context.Context, status *Status) error {
	want := Expected(status, s.Services, false)
	frontend := ""
	for _, svc := range s.Services {
		if svc.Role == "frontend" {
			frontend = status.Applications[svc.App].UnitNames()[0]
		}
	}
	var last error
	for attempt := 0; attempt < 15; attempt++ {
		res, err := s.CLI.RunAction(ctx, frontend, "describe-cluster")
		if err == nil {
			var rings map[string][]string
			if rings, err = DescribedRings(res.Results); err == nil {
				err = sameRings(rings, want.Rings)
			}
		}
		if err == nil {
			s.printf("describe-cluster on %s: every service ring as in status\n", frontend)
			return nil
		}
		last = err
		if err := sleep(ctx, 2*time.Second); err != nil {
			return err
		}
	}
	return fmt.Errorf("describe-cluster on %s: %w", frontend, last)
}

func sameRings(got, want map[string][]string) error {
	for role, members := range want {
		if strings.Join(got[role], ",") != strings.Join(members, ",") {
			return fmt.Errorf("ring %s has %v, want %v", role, got[role], members)
		}
	}
	return nil
}

// ClusterHealth runs the current admin's cli action, which reaches the
// server at the address temporal-host-info publishes: the frontend
// application's Service, on a port the charm opened.
func (s *Scenario) ClusterHealth(ctx context.Context) error {
	res, err := s.CLI.RunAction(ctx, AppAdmin+"/0", "cli", "args=operator cluster health")
	if err != nil {
		return err
	}
	out := res.Result("output")
	s.printf("$ localmodel run %s/0 cli args=\"operator cluster health\"\noutput: %s\n", AppAdmin, out)
	if !strings.HasSuffix(out, ": SERVING") {
		return fmt.Errorf("cli operator cluster health says %q, want SERVING", out)
	}
	return nil
}
