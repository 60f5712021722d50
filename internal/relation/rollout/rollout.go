// Package rollout is how every unit of every application of one Temporal
// cluster turns internode mutual TLS on or off without an outage.
//
// A Temporal 1.31 listener is TLS or plaintext, never both, and its
// clients have no fallback (common/rpc/rpc.go), so each unit puts a
// proxy in front of its internode ports while the cluster is mixed (see
// internodeproxy). The switch goes in stages, one step at a time, and a
// unit takes a step only once every unit of the cluster is where the step
// needs it to be; then any two units are at most one stage apart, and
// every such pair talks:
//
//	Plain          no proxy; the server speaks plaintext.
//	AcceptTLS      the proxy ends TLS and passes plaintext on; the server
//	               still speaks plaintext, and dials plaintext.
//	TLSAcceptPlain the server speaks and dials TLS; the proxy passes TLS
//	               on and upgrades a plaintext peer.
//	TLS            the proxy refuses plaintext.
//
// Each unit says its stage in its peer data; each application's leader
// sums its units up in the peer app data. Applications that run only
// some of the services relate internode-rollout-hub to one application's
// internode-rollout (the hub, the frontend's, by the README), whose
// leader sums the whole cluster up for them.
package rollout

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/temporal-k8s/temporal-k8s/internal/config"
)

// Endpoints in metadata.yaml: the hub provides, every other application
// requires (limit 1).
const (
	HubEndpoint    = "internode-rollout"
	MemberEndpoint = "internode-rollout-hub"
)

// Keys. UnitKey is in a unit's peer data; StagesKey in the peer app data
// (the application's units), in a member's app data on the hub relation
// (the same), and in the hub's app data there (the whole cluster);
// ServicesKey in a member's app data, so that the hub knows whom it has
// heard from.
const (
	UnitKey     = "internode-stage"
	StagesKey   = "internode-stages"
	ServicesKey = "services"
	// ClusterKey is in the hub's app data: the whole cluster's range,
	// or nothing until the hub has heard from every service.
	ClusterKey = "internode-cluster-stages"
)

// Stage is where a unit is in the switch; see the package comment.
type Stage int

const (
	Plain Stage = iota
	AcceptTLS
	TLSAcceptPlain
	TLS
)

// String is the stage as its data says it: a plain unit says nothing,
// so a unit that never wrote (an older charm's included) counts as plain.
func (s Stage) String() string {
	if s == Plain {
		return ""
	}
	return strconv.Itoa(int(s))
}

// Describe names the stage for status messages.
func (s Stage) Describe() string {
	switch s {
	case Plain:
		return "plaintext"
	case AcceptTLS:
		return "accepting TLS, dialing plaintext"
	case TLSAcceptPlain:
		return "TLS, accepting plaintext"
	default:
		return "TLS only"
	}
}

// Proxied reports whether the stage runs the proxy.
func (s Stage) Proxied() bool { return s != Plain }

// ServerTLS reports whether the stage's server speaks TLS itself.
func (s Stage) ServerTLS() bool { return s >= TLSAcceptPlain }

// ParseStage reads a unit's stage.
func ParseStage(raw string) (Stage, error) {
	if raw == "" {
		return Plain, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < int(Plain) || n > int(TLS) {
		return Plain, fmt.Errorf("cannot parse %s %q: want 0 to 3, or nothing", UnitKey, config.Truncate(raw))
	}
	return Stage(n), nil
}

// Range is the lowest and the highest stage of a set of units; the zero
// value is no unit at all.
type Range struct {
	Min, Max Stage
	Known    bool
}

// Of is the range of the stages given.
func Of(stages ...Stage) Range {
	if len(stages) == 0 {
		return Range{}
	}
	return Range{Min: slices.Min(stages), Max: slices.Max(stages), Known: true}
}

// Union is the range of both sets.
func (r Range) Union(o Range) Range {
	switch {
	case !r.Known:
		return o
	case !o.Known:
		return r
	}
	return Range{Min: min(r.Min, o.Min), Max: max(r.Max, o.Max), Known: true}
}

// String is the range as its data says it: "" when every unit is plain,
// so that a cluster without internode TLS writes nothing.
func (r Range) String() string {
	if !r.Known || r.Max == Plain {
		return ""
	}
	return fmt.Sprintf("%d %d", r.Min, r.Max)
}

// ParseRange reads a range; "" is every unit plain (what a leader that
// wrote nothing, or an older charm, means).
func ParseRange(raw string) (Range, error) {
	if raw == "" {
		return Range{Known: true}, nil
	}
	f := strings.Fields(raw)
	if len(f) == 2 {
		lo, errLo := ParseStage(f[0])
		hi, errHi := ParseStage(f[1])
		if errLo == nil && errHi == nil && lo <= hi {
			return Range{Min: lo, Max: hi, Known: true}, nil
		}
	}
	return Range{}, fmt.Errorf("cannot parse %s %q: want two stages, lowest first", StagesKey, config.Truncate(raw))
}

// FormatCluster is a cluster's range as the hub says it: "" while it is
// not known, so that a member never takes a cluster without internode
// TLS for one it has not heard the whole of.
func FormatCluster(r Range) string {
	if !r.Known {
		return ""
	}
	return fmt.Sprintf("%d %d", r.Min, r.Max)
}

// ParseCluster reads what FormatCluster wrote.
func ParseCluster(raw string) (Range, error) {
	if raw == "" {
		return Range{}, nil
	}
	r, err := ParseRange(raw)
	if err != nil {
		return Range{}, fmt.Errorf("cannot parse %s %q: want two stages, lowest first", ClusterKey, config.Truncate(raw))
	}
	return r, nil
}

// Next is the stage a running unit at cur goes to on its way to target,
// given the cluster's range (its own stage included): one step up once
// no unit is below cur, one step down once none is above it, else it
// stays. An unknown cluster allows only the steps that need nobody:
// taking up the proxy, and accepting plaintext again.
func Next(cur, target Stage, cluster Range) Stage {
	if !cluster.Known {
		cluster = Range{Min: Plain, Max: TLS}
	}
	switch {
	case target > cur && cluster.Min >= cur:
		return cur + 1
	case target < cur && cluster.Max <= cur:
		return cur - 1
	}
	return cur
}

// Start is the stage a unit whose server is not running starts at: the
// highest up to target that talks with every unit of the cluster (one
// stage either side of each). Without knowing the cluster it goes no
// further than AcceptTLS, which talks with all but a TLS-only unit. It
// reports false when no stage up to target fits: a unit without its
// certificate in a cluster that runs TLS.
func Start(target Stage, cluster Range) (Stage, bool) {
	// An unknown range is the zero one: Min 0 caps the stage at
	// AcceptTLS, and Max 0 refuses none.
	s := min(target, cluster.Min+1)
	return s, s >= cluster.Max-1
}

// Roles are the services that make a whole cluster: the hub sums the
// cluster up only once it has heard from an application running each.
func Roles() []string { return []string{config.Frontend, "history", "matching", "worker"} }

// Missing are the roles none of the services named is.
func Missing(services []string) []string {
	var out []string
	for _, r := range Roles() {
		if !slices.Contains(services, r) {
			out = append(out, r)
		}
	}
	return out
}
