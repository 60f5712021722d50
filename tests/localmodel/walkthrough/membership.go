package walkthrough

import (
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"

	temporaladmin "github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/temporal-admin-k8s"
)

// Service is one Temporal service, the application running it, and its
// ports.
type Service struct {
	Role           string
	App            string
	GRPCPort       int
	MembershipPort int
}

// Ports of the internal frontend, which runs wherever frontend does.
const (
	InternalFrontendRole           = "internal-frontend"
	InternalFrontendGRPCPort       = 7236
	InternalFrontendMembershipPort = 6936
)

// SplitServices is the README's deployment: one application per service.
var SplitServices = []Service{
	{Role: "frontend", App: "temporal-k8s", GRPCPort: 7233, MembershipPort: 6933},
	{Role: "history", App: "temporal-k8s-history", GRPCPort: 7234, MembershipPort: 6934},
	{Role: "matching", App: "temporal-k8s-matching", GRPCPort: 7235, MembershipPort: 6935},
	{Role: "worker", App: "temporal-k8s-worker", GRPCPort: 7239, MembershipPort: 6939},
}

// AllInOne runs every service in one application.
func AllInOne(app string) []Service {
	out := make([]Service, len(SplitServices))
	for i, s := range SplitServices {
		s.App = app
		out[i] = s
	}
	return out
}

// Membership is what the rings should hold for a status.
type Membership struct {
	// Rings maps a role to its members' identities (address:grpc port).
	Rings map[string][]string
	// Reachable lists the gossip members (address:membership port).
	Reachable []string
}

func hostPort(addr string, port int) string {
	return net.JoinHostPort(addr, strconv.Itoa(port))
}

// Expected derives the membership from the units in status. The internal
// frontend ring is only expected when withInternalFrontend is set: the
// server reports it when the frontend runs it.
func Expected(status *Status, services []Service, withInternalFrontend bool) Membership {
	m := Membership{Rings: map[string][]string{}}
	for _, svc := range services {
		for _, addr := range status.Addresses(svc.App) {
			m.Rings[svc.Role] = append(m.Rings[svc.Role], hostPort(addr, svc.GRPCPort))
			m.Reachable = append(m.Reachable, hostPort(addr, svc.MembershipPort))
			if svc.Role == "frontend" && withInternalFrontend {
				m.Rings[InternalFrontendRole] = append(m.Rings[InternalFrontendRole], hostPort(addr, InternalFrontendGRPCPort))
				m.Reachable = append(m.Reachable, hostPort(addr, InternalFrontendMembershipPort))
			}
		}
	}
	for role := range m.Rings {
		sort.Strings(m.Rings[role])
	}
	sort.Strings(m.Reachable)
	return m
}

// CheckMembership compares a cluster description with the units in
// status: every service's ring holds exactly its application's units, at
// their pod addresses, and gossip reaches exactly those members.
func CheckMembership(d temporaladmin.Description, status *Status, services []Service) error {
	_, withInternal := d.Ring(InternalFrontendRole)
	want := Expected(status, services, withInternal)
	var problems []string
	roles := map[string]bool{}
	for _, svc := range services {
		roles[svc.Role] = true
	}
	if withInternal {
		roles[InternalFrontendRole] = true
	}
	for _, ring := range d.MembershipInfo.Rings {
		if !roles[ring.Role] && len(ring.Members) > 0 {
			problems = append(problems, fmt.Sprintf("unexpected ring %q with %d members", ring.Role, len(ring.Members)))
		}
	}
	sortedRoles := make([]string, 0, len(roles))
	for role := range roles {
		sortedRoles = append(sortedRoles, role)
	}
	sort.Strings(sortedRoles)
	for _, role := range sortedRoles {
		ring, ok := d.Ring(role)
		if !ok {
			problems = append(problems, fmt.Sprintf("no %s ring", role))
			continue
		}
		var got []string
		for _, h := range ring.Members {
			got = append(got, h.Identity)
		}
		sort.Strings(got)
		if !equal(got, want.Rings[role]) {
			problems = append(problems, fmt.Sprintf("%s ring has %v, want %v", role, got, want.Rings[role]))
		}
		if int(ring.MemberCount) != len(ring.Members) {
			problems = append(problems, fmt.Sprintf("%s ring counts %d members but lists %d", role, ring.MemberCount, len(ring.Members)))
		}
	}
	reachable := append([]string(nil), d.MembershipInfo.ReachableMembers...)
	sort.Strings(reachable)
	if !equal(reachable, want.Reachable) {
		problems = append(problems, fmt.Sprintf("reachable members are %v, want %v", reachable, want.Reachable))
	}
	if len(problems) > 0 {
		return fmt.Errorf("membership does not match the units: %s", strings.Join(problems, "; "))
	}
	return nil
}

// MemberCount is the number of members over the service rings (the
// internal frontend's ring aside).
func MemberCount(d temporaladmin.Description) int {
	n := 0
	for _, ring := range d.MembershipInfo.Rings {
		if ring.Role != InternalFrontendRole {
			n += len(ring.Members)
		}
	}
	return n
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// flatten turns nested action results back into the dotted keys the
// action set.
func flatten(prefix string, in map[string]any, out map[string]string) {
	for k, v := range in {
		if nested, ok := v.(map[string]any); ok {
			flatten(prefix+k+".", nested, out)
			continue
		}
		out[prefix+k] = fmt.Sprint(v)
	}
}

// DescribedRings reads the charm's describe-cluster results: each ring's
// members, sorted, checked against the count.
func DescribedRings(results map[string]any) (map[string][]string, error) {
	flat := map[string]string{}
	flatten("", results, flat)
	rings := map[string][]string{}
	for k, v := range flat {
		role, ok := strings.CutSuffix(strings.TrimPrefix(k, "rings."), ".members")
		if !ok || !strings.HasPrefix(k, "rings.") {
			continue
		}
		var members []string
		if v != "" {
			members = strings.Split(v, ",")
		}
		if count := flat["rings."+role+".count"]; count != strconv.Itoa(len(members)) {
			return nil, fmt.Errorf("ring %s: count %q but %d members", role, count, len(members))
		}
		sort.Strings(members)
		rings[role] = members
	}
	return rings, nil
}
