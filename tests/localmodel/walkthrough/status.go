package walkthrough

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
)

// Status is status --format json, in Juju's shape.
type Status struct {
	Applications map[string]Application `json:"applications"`
}

// Application is one application's status.
type Application struct {
	Scale int `json:"scale"`
	// Address is the application's Kubernetes Service.
	Address           string          `json:"address"`
	Version           string          `json:"version"`
	ApplicationStatus StatusInfo      `json:"application-status"`
	Units             map[string]Unit `json:"units"`
	// Relations are the applications each endpoint is related to.
	Relations map[string][]struct {
		App string `json:"related-application"`
	} `json:"relations"`
}

// RelatedTo reports whether the application's endpoint is related to app.
func (a Application) RelatedTo(endpoint, app string) bool {
	for _, r := range a.Relations[endpoint] {
		if r.App == app {
			return true
		}
	}
	return false
}

// StatusInfo is a status value and its message.
type StatusInfo struct {
	Current string `json:"current"`
	Message string `json:"message"`
}

// Unit is one unit's status.
type Unit struct {
	WorkloadStatus StatusInfo `json:"workload-status"`
	JujuStatus     StatusInfo `json:"juju-status"`
	Address        string     `json:"address"`
	Leader         bool       `json:"leader"`
}

// ParseStatus decodes status --format json.
func ParseStatus(data []byte) (*Status, error) {
	var s Status
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("cannot parse status: %w", err)
	}
	if s.Applications == nil {
		s.Applications = map[string]Application{}
	}
	return &s, nil
}

// UnitNames returns an application's units in ordinal order.
func (a Application) UnitNames() []string {
	names := make([]string, 0, len(a.Units))
	for name := range a.Units {
		names = append(names, name)
	}
	sort.Slice(names, func(i, j int) bool { return ordinal(names[i]) < ordinal(names[j]) })
	return names
}

func ordinal(unit string) int {
	_, n, _ := strings.Cut(unit, "/")
	i, err := strconv.Atoi(n)
	if err != nil {
		return -1
	}
	return i
}

// Addresses returns the addresses of an application's units, in ordinal
// order.
func (s *Status) Addresses(app string) []string {
	a := s.Applications[app]
	var out []string
	for _, name := range a.UnitNames() {
		out = append(out, a.Units[name].Address)
	}
	return out
}

// Settled checks that each application has exactly its scale of units, all
// active and idle. It names the first thing that is not.
func (s *Status) Settled(scales map[string]int) error {
	return s.SettledAs(scales, "active")
}

// SettledAs is Settled with another workload status than active: every
// unit has the status workload and its agent is idle.
func (s *Status) SettledAs(scales map[string]int, workload string) error {
	apps := make([]string, 0, len(scales))
	for app := range scales {
		apps = append(apps, app)
	}
	sort.Strings(apps)
	for _, name := range apps {
		want := scales[name]
		app, ok := s.Applications[name]
		if !ok {
			return fmt.Errorf("%s is not deployed", name)
		}
		if len(app.Units) != want {
			return fmt.Errorf("%s has %d units, want %d", name, len(app.Units), want)
		}
		for _, unit := range app.UnitNames() {
			u := app.Units[unit]
			if u.WorkloadStatus.Current != workload || !u.idle() {
				return fmt.Errorf("%s is %s/%s: %s", unit, u.WorkloadStatus.Current, u.JujuStatus.Current, u.WorkloadStatus.Message)
			}
			if u.Address == "" {
				return fmt.Errorf("%s has no address", unit)
			}
		}
	}
	return nil
}

// idle reports whether a unit's agent runs no hook. An action counts as
// idle: the walkthrough's own probes (the ring watcher asks the admin unit
// to describe the cluster every second) run as actions, and a unit that
// only answers them has settled.
func (u Unit) idle() bool {
	return u.JujuStatus.Current == "idle" ||
		u.JujuStatus.Current == "executing" && strings.HasPrefix(u.JujuStatus.Message, "running action ")
}

// Errors lists units whose agent is in error: a hook failed.
func (s *Status) Errors() []string {
	var out []string
	for _, app := range s.sortedApps() {
		a := s.Applications[app]
		for _, unit := range a.UnitNames() {
			if u := a.Units[unit]; u.JujuStatus.Current == "error" {
				out = append(out, fmt.Sprintf("%s: %s", unit, firstNonEmpty(u.JujuStatus.Message, u.WorkloadStatus.Message)))
			}
		}
	}
	return out
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func (s *Status) sortedApps() []string {
	apps := make([]string, 0, len(s.Applications))
	for app := range s.Applications {
		apps = append(apps, app)
	}
	sort.Strings(apps)
	return apps
}

// Print writes the status as juju status's tables.
func (s *Status) Print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "App\tVersion\tStatus\tScale\tMessage")
	for _, name := range s.sortedApps() {
		a := s.Applications[name]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", name, a.Version, a.ApplicationStatus.Current, a.Scale, a.ApplicationStatus.Message)
	}
	fmt.Fprintln(tw, "\t\t\t\t")
	fmt.Fprintln(tw, "Unit\tWorkload\tAgent\tAddress\tMessage")
	for _, name := range s.sortedApps() {
		a := s.Applications[name]
		for _, unit := range a.UnitNames() {
			u := a.Units[unit]
			label := unit
			if u.Leader {
				label += "*"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", label, u.WorkloadStatus.Current, u.JujuStatus.Current, u.Address, u.WorkloadStatus.Message)
		}
	}
	tw.Flush()
}
