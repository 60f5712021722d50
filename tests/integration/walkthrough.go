// Package integration runs the temporal-k8s scaling walkthrough against a
// real Juju controller: walkthrough_test.go, behind the integration build
// tag. This file holds the walkthrough itself (applications, relations,
// scale steps, the admin action and how to read its answer) so that the
// requests it makes are checked offline by plain `go test ./...`.
package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/temporal-k8s/temporal-k8s/tests/integration/jujuapi"
)

// Applications outside the four server applications, and the charm's
// image resource.
const (
	Frontend            = "temporal-k8s"
	PostgreSQL          = "postgresql-k8s"
	PostgreSQLChannel   = "14/stable"
	Admin               = "temporal-admin-k8s"
	ServerImageResource = "temporal-server-image"
	// AdminUnit runs the cluster-describe action, as in the walkthrough.
	AdminUnit = Admin + "/0"
	// FrontendUnit runs the charm's own describe-cluster action where the
	// admin charm has no membership view (its cli runs the temporal CLI).
	FrontendUnit = Frontend + "/0"
)

// ServerApp is one of the four applications of the temporal-k8s charm.
type ServerApp struct {
	Name     string
	Services string // the charm's `services` option
}

// ServerApps lists them in the walkthrough's deploy order.
func ServerApps() []ServerApp {
	return []ServerApp{
		{Name: Frontend, Services: "frontend"},
		{Name: "temporal-k8s-matching", Services: "matching"},
		{Name: "temporal-k8s-history", Services: "history"},
		{Name: "temporal-k8s-worker", Services: "worker"},
	}
}

// ServerNames returns the four server application names.
func ServerNames() []string {
	var out []string
	for _, a := range ServerApps() {
		out = append(out, a.Name)
	}
	return out
}

// AllApps returns every application the walkthrough deploys.
func AllApps() []string {
	return append(ServerNames(), PostgreSQL, Admin)
}

// Relations returns the endpoint pairs relating one server application to
// the database (twice: store and visibility) and to the admin charm; the
// frontend application also tells the admin charm where the server is
// (temporal-host-info), which current admin revisions require for their
// cli action. Their requirer takes one such relation only.
func Relations(app string) [][2]string {
	rels := [][2]string{
		{app + ":db", PostgreSQL + ":database"},
		{app + ":visibility", PostgreSQL + ":database"},
		{app + ":admin", Admin + ":admin"},
	}
	if app == Frontend {
		rels = append(rels, [2]string{app + ":temporal-host-info", Admin + ":temporal-host-info"})
	}
	return rels
}

// Deploy deploys the six applications with one unit each: the local charm
// four times with its `services` option and image, PostgreSQL with trust,
// and the admin charm.
func Deploy(m *jujuapi.Model, ch jujuapi.LocalCharm, s jujuapi.Settings) error {
	for _, a := range ServerApps() {
		err := m.DeployLocal(a.Name, ch, jujuapi.DeployOptions{
			Units:  1,
			Config: map[string]string{"services": a.Services},
			Images: map[string]string{ServerImageResource: s.ServerImage},
		})
		if err != nil {
			return err
		}
	}
	if err := m.DeployCharmhub(PostgreSQL, jujuapi.CharmhubOptions{
		Charm: PostgreSQL, Channel: PostgreSQLChannel, Units: 1, Trust: true,
	}); err != nil {
		return err
	}
	return m.DeployCharmhub(Admin, jujuapi.CharmhubOptions{Charm: Admin, Channel: s.AdminChannel, Units: 1})
}

// Relate integrates one server application with the database and admin.
func Relate(m *jujuapi.Model, app string) error {
	for _, r := range Relations(app) {
		if err := m.Integrate(r[0], r[1]); err != nil {
			return err
		}
	}
	return nil
}

// ScaleServers scales each server application to n units.
func ScaleServers(m *jujuapi.Model, n int) error {
	for _, app := range ServerNames() {
		if err := m.Scale(app, n); err != nil {
			return err
		}
	}
	return nil
}

// UnitCounts is n units per server application and one each for the
// database and admin, which the walkthrough never scales.
func UnitCounts(n int) map[string]int {
	want := map[string]int{PostgreSQL: 1, Admin: 1}
	for _, app := range ServerNames() {
		want[app] = n
	}
	return want
}

// Roles are the membership rings the walkthrough reads, one per service.
// Newer servers also list internal-frontend; the walkthrough does not run
// it as its own application, so it is not checked.
func Roles() []string {
	return []string{"frontend", "history", "matching", "worker"}
}

// DescribeAction picks how the admin charm describes the cluster: `tctl`
// with `adm cl d` as in the walkthrough, or, on admin revisions that
// replaced tctl with the temporal CLI, `cli`.
func DescribeAction(actions []string) (string, map[string]interface{}, error) {
	switch {
	case slices.Contains(actions, "tctl"):
		return "tctl", map[string]interface{}{"args": "adm cl d"}, nil
	case slices.Contains(actions, "cli"):
		return "cli", map[string]interface{}{"args": "operator cluster describe --output json"}, nil
	}
	return "", nil, fmt.Errorf("cannot describe the cluster: %s has neither a tctl nor a cli action (has %v)", Admin, actions)
}

// Membership maps a ring's role to its members' identities.
type Membership map[string][]string

// ParseMembership reads the rings from a cluster description (the JSON
// the admin action returns under "output").
func ParseMembership(output string) (Membership, error) {
	start := strings.IndexByte(output, '{')
	if start < 0 {
		return nil, fmt.Errorf("cannot find JSON in the cluster description %q", output)
	}
	var desc struct {
		MembershipInfo *struct {
			Rings []struct {
				Role        string `json:"role"`
				MemberCount int    `json:"memberCount"`
				Members     []struct {
					Identity string `json:"identity"`
				} `json:"members"`
			} `json:"rings"`
		} `json:"membershipInfo"`
	}
	if err := json.NewDecoder(strings.NewReader(output[start:])).Decode(&desc); err != nil {
		return nil, fmt.Errorf("cannot parse the cluster description: %w", err)
	}
	if desc.MembershipInfo == nil {
		// The temporal CLI's `operator cluster describe` calls
		// GetClusterInfo, which carries no membership.
		return nil, fmt.Errorf("cannot find membershipInfo in the cluster description; deploy a %s revision with the tctl action (%s)", Admin, jujuapi.EnvAdminChannel)
	}
	m := Membership{}
	for _, r := range desc.MembershipInfo.Rings {
		if r.MemberCount != len(r.Members) {
			return nil, fmt.Errorf("cannot trust ring %q: memberCount %d but %d members listed", r.Role, r.MemberCount, len(r.Members))
		}
		ids := make([]string, 0, len(r.Members))
		for _, mem := range r.Members {
			ids = append(ids, mem.Identity)
		}
		m[r.Role] = ids
	}
	return m, nil
}

// Expect returns an error unless each of the walkthrough's rings has
// exactly n members.
func (m Membership) Expect(n int) error {
	for _, role := range Roles() {
		ids, ok := m[role]
		if !ok {
			return fmt.Errorf("ring %q missing from %v", role, m)
		}
		if len(ids) != n {
			return fmt.Errorf("ring %q has %d members %v, want %d", role, len(ids), ids, n)
		}
	}
	return nil
}

// MembershipFromResults reads the results of the charm's describe-cluster
// action, whose dotted keys (rings.<role>.members) Juju returns nested.
func MembershipFromResults(out map[string]interface{}) (Membership, error) {
	rings, ok := out["rings"].(map[string]interface{})
	if !ok {
		return nil, fmt.Errorf("cannot find rings in the describe-cluster results %v", out)
	}
	m := Membership{}
	for role, v := range rings {
		ring, ok := v.(map[string]interface{})
		if !ok {
			return nil, fmt.Errorf("cannot read ring %q in %v", role, out)
		}
		members, _ := ring["members"].(string)
		var ids []string
		if members != "" {
			ids = strings.Split(members, ",")
		}
		if count, _ := ring["count"].(string); count != fmt.Sprint(len(ids)) {
			return nil, fmt.Errorf("cannot trust ring %q: count %q but %d members listed", role, count, len(ids))
		}
		m[role] = ids
	}
	return m, nil
}

// ReadMembership runs the admin charm's tctl describe action, as the
// walkthrough does, or, on admin revisions without tctl, the charm's own
// describe-cluster, and parses it.
func ReadMembership(ctx context.Context, m *jujuapi.Model) (Membership, error) {
	actions, err := m.ActionNames(Admin)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(actions, "tctl") {
		res, err := m.RunAction(ctx, FrontendUnit, "describe-cluster", nil)
		if err != nil {
			return nil, err
		}
		return MembershipFromResults(res.Output)
	}
	name, args, err := DescribeAction(actions)
	if err != nil {
		return nil, err
	}
	res, err := m.RunAction(ctx, AdminUnit, name, args)
	if err != nil {
		return nil, err
	}
	out, ok := res.Output["output"].(string)
	if !ok {
		return nil, fmt.Errorf("cannot find output in the %s action result %v", name, res.Output)
	}
	return ParseMembership(out)
}
