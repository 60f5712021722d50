package charm

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/rollout"
	"github.com/temporal-k8s/temporal-k8s/internal/temporal"
)

// The switch of internode TLS goes in stages (see rollout): each unit
// steps once the cluster lets it, so that servers accept both plaintext
// and TLS until every unit has its certificate, and plaintext until every
// server has stopped dialing it.

// rolloutRels are this application's relations on the two rollout
// endpoints: as the hub, and as a member following one.
func rolloutRels(ca *cache) (hub []string, member string) {
	for id, ep := range ca.Side {
		switch ep {
		case rollout.HubEndpoint:
			hub = append(hub, id)
		case rollout.MemberEndpoint:
			member = id
		}
	}
	sort.Strings(hub)
	return hub, member
}

// gatherRollout reads what deciding this unit's stage needs: where the
// relation sends it, and, when it may move or must start, where the rest
// of the cluster is. A unit that stays where it is reads nothing more.
func (c *Charm) gatherRollout(ctx context.Context, ca *cache, in *inputs) error {
	if in.internodeCert.served() != nil {
		in.target = rollout.TLS
	}
	if in.pebbleErr != nil || in.peerID == "" || in.target == in.stage && in.running() {
		return nil
	}
	if in.internodeCert.served() == nil && in.stage.Proxied() {
		// Stepping down without the relation: peers still need the
		// certificate the unit holds until every one has stepped.
		held, err := c.heldInternodeCert(ctx)
		if err != nil {
			c.logf(ctx, juju.LogWarning, "Cannot read the internode certificate the container holds: %v", err)
		}
		in.held = held
	}
	var err error
	in.cluster, err = c.readCluster(ctx, ca, in)
	return err
}

// clusterView is the cluster's range as a unit knows it; when it is not
// known, why, and whether the operator must act (a relation missing).
type clusterView struct {
	rollout.Range
	why      string
	operator bool
}

// readCluster is the range of the cluster's stages as this unit can know
// it: its application's, which its leader sums up, and the others',
// through the hub. A running unit's own stage needs no adding: Next
// compares the range with it, and a server not running talks to nobody. Unknown, with why, when some application running a
// service may be missing from the sum.
func (c *Charm) readCluster(ctx context.Context, ca *cache, in *inputs) (clusterView, error) {
	app, err := rollout.ParseRange(in.peerApp[rollout.StagesKey])
	if err != nil {
		return clusterView{why: err.Error()}, nil
	}
	hub, member := rolloutRels(ca)
	switch {
	case member != "":
		hubApp, err := c.remoteApp(ctx, ca, member)
		if err != nil {
			return clusterView{}, err
		}
		data, err := c.Juju.RelationGet(ctx, member, hubApp, true)
		if err != nil {
			return clusterView{}, fmt.Errorf("cannot read %s data of %s: %w", member, hubApp, err)
		}
		cluster, err := rollout.ParseCluster(data[rollout.ClusterKey])
		switch {
		case err != nil:
			return clusterView{why: err.Error()}, nil
		case !cluster.Known:
			return clusterView{why: fmt.Sprintf("%s has not heard from every service yet", hubApp)}, nil
		}
		return clusterView{Range: app.Union(cluster)}, nil
	case len(hub) > 0:
		sum, services, err := c.sumMembers(ctx, ca, in, hub)
		if err != nil {
			return clusterView{}, err
		}
		if missing := rollout.Missing(append(services, in.cfg.Services...)); len(missing) > 0 {
			return clusterView{why: fmt.Sprintf("no application running %s is related to %s:%s", strings.Join(missing, ", "), c.event.App, rollout.HubEndpoint), operator: true}, nil
		}
		return clusterView{Range: app.Union(sum)}, nil
	}
	if missing := rollout.Missing(in.cfg.Services); len(missing) > 0 {
		return clusterView{why: fmt.Sprintf("relate %s:%s to the frontend application's %s, which hears from %s", c.event.App, rollout.MemberEndpoint, rollout.HubEndpoint, strings.Join(missing, ", ")), operator: true}, nil
	}
	return clusterView{Range: app}, nil
}

// sumMembers reads what each member application says of its units, once
// a hook: the union of their ranges and the services they run.
func (c *Charm) sumMembers(ctx context.Context, ca *cache, in *inputs, hub []string) (rollout.Range, []string, error) {
	if in.members != nil {
		return in.members.sum, in.members.services, nil
	}
	m := &memberSum{}
	for _, id := range hub {
		app, err := c.remoteApp(ctx, ca, id)
		if err != nil {
			return rollout.Range{}, nil, err
		}
		data, err := c.Juju.RelationGet(ctx, id, app, true)
		if err != nil {
			return rollout.Range{}, nil, fmt.Errorf("cannot read %s data of %s: %w", id, app, err)
		}
		r, err := rollout.ParseRange(data[rollout.StagesKey])
		if err != nil || data[rollout.ServicesKey] == "" {
			// A member that said nothing, or nothing usable, is not
			// heard from: its services stay missing.
			continue
		}
		m.sum = m.sum.Union(r)
		m.services = append(m.services, strings.Split(data[rollout.ServicesKey], ",")...)
	}
	in.members = m
	return m.sum, m.services, nil
}

// memberSum is what the hub's members say, read once a hook.
type memberSum struct {
	sum      rollout.Range
	services []string
}

// heldInternodeCert is the internode certificate, key and CA the
// container holds, which the running proxy and server use.
func (c *Charm) heldInternodeCert(ctx context.Context) (*temporal.Cert, error) {
	var pems [3][]byte
	for i, f := range []struct{ what, path string }{
		{"certificate", temporal.InternodeCertPath},
		{"key", temporal.InternodeKeyPath},
		{"CA", temporal.InternodeCAPath},
	} {
		data, err := c.Container.Pull(ctx, f.path)
		if err != nil {
			return nil, fmt.Errorf("cannot read the internode %s: %w", f.what, err)
		}
		pems[i] = data
	}
	return &temporal.Cert{Chain: string(pems[0]), Key: string(pems[1]), CA: string(pems[2])}, nil
}

// internodeStage is the stage this unit's server is to run at, the
// certificate it needs, and what the status says of the switch. It
// reports false when the server cannot start at any stage (no
// certificate in a cluster that runs TLS).
func internodeStage(in *inputs) (rollout.Stage, *temporal.Cert, juju.Status, bool) {
	cert := in.internodeCert.served()
	if cert == nil {
		cert = in.held
	}
	var next rollout.Stage
	if in.running() {
		next = rollout.Next(in.stage, in.target, in.cluster.Range)
	} else {
		s, ok := rollout.Start(in.target, in.cluster.Range)
		if !ok {
			return 0, nil, juju.Status{Name: juju.StatusWaiting, Message: fmt.Sprintf("waiting for the internode certificate: the cluster runs internode TLS (stages %d to %d of 3)", in.cluster.Min, in.cluster.Max)}, false
		}
		next = s
	}
	if next.Proxied() && cert == nil {
		// Nothing to show its peers: the unit can only go without.
		next = rollout.Plain
	}
	var note juju.Status
	switch {
	case next == in.target:
	case next != in.stage || !in.running():
		note = juju.Status{Name: juju.StatusActive, Message: fmt.Sprintf("internode TLS is switching: stage %d of 3 (%s)", next, next.Describe())}
	case in.cluster.operator:
		note = juju.Status{Name: juju.StatusBlocked, Message: fmt.Sprintf("internode TLS stays at stage %d of 3 (%s): %s", next, next.Describe(), in.cluster.why)}
	default:
		why := in.cluster.why
		if why == "" {
			why = "waiting for every unit of the cluster to reach it"
		}
		note = juju.Status{Name: juju.StatusActive, Message: fmt.Sprintf("internode TLS stays at stage %d of 3 (%s): %s", next, next.Describe(), why)}
	}
	return next, cert, note, true
}

// publishStage says where this unit is, and on a leader where its
// application is; a hub's leader sums the cluster up for its members.
// Each is written only when it changed.
func (c *Charm) publishStage(ctx context.Context, ca *cache, in *inputs, gathered rollout.Stage) error {
	if err := c.ensureUnitData(ctx, ca, in.peerID, map[string]string{rollout.UnitKey: in.stage.String()}); err != nil {
		return err
	}
	if !in.leader {
		return nil
	}
	hub, member := rolloutRels(ca)
	// A unit's stage moves only with its peer data, whose events (and
	// relation-departed) have the leader read every unit (restartRequests).
	if in.peerStages == nil && in.stage == gathered && c.event.Kind != juju.LeaderElected && ca.Published[in.peerID] != "" {
		// Nothing this hook read or did moves the application's range.
		return c.publishCluster(ctx, ca, in, hub, member, false)
	}
	if err := c.readPeerUnits(ctx, in); err != nil {
		return err
	}
	stages := []rollout.Stage{in.stage}
	for u, raw := range in.peerStages {
		s, err := rollout.ParseStage(raw)
		if err != nil {
			// Counted as the lowest and the highest: nobody steps
			// past a unit nobody can read.
			c.logf(ctx, juju.LogWarning, "Cannot read the internode stage of %s: %v", u, err)
			stages = append(stages, rollout.Plain, rollout.TLS)
			continue
		}
		stages = append(stages, s)
	}
	r := rollout.Of(stages...)
	// As Juju will hold it: an empty value is no key.
	if r.String() == "" {
		delete(in.peerApp, rollout.StagesKey)
	} else {
		in.peerApp[rollout.StagesKey] = r.String()
	}
	if err := c.ensureAppData(ctx, ca, in.peerID, map[string]string{rollout.StagesKey: r.String()}); err != nil {
		return err
	}
	ca.UnitStages = in.peerStages
	return c.publishCluster(ctx, ca, in, hub, member, true)
}

// publishCluster is the leader's word on the rollout relations: a member
// says its application's range and services, the hub the cluster's range
// once it has heard from every service.
// The hub reads its members only when something may have moved: this
// hook summed its own application up, a member wrote, or what it
// published is not known to be there.
func (c *Charm) publishCluster(ctx context.Context, ca *cache, in *inputs, hub []string, member string, summed bool) error {
	app, err := rollout.ParseRange(in.peerApp[rollout.StagesKey])
	if err != nil {
		// Only a leader writes it, and it writes it again.
		app = rollout.Range{Min: rollout.Plain, Max: rollout.TLS, Known: true}
	}
	if member != "" {
		data := map[string]string{rollout.StagesKey: app.String(), rollout.ServicesKey: strings.Join(in.cfg.Services, ",")}
		if err := c.ensureAppData(ctx, ca, member, data); err != nil {
			return err
		}
	}
	if len(hub) == 0 {
		return nil
	}
	known := !slices.Contains(hub, c.event.RelationID) && in.members == nil && !summed
	for _, id := range hub {
		known = known && ca.Published[id] != ""
	}
	if known {
		return nil
	}
	sum, services, err := c.sumMembers(ctx, ca, in, hub)
	if err != nil {
		return err
	}
	cluster := rollout.Range{}
	if len(rollout.Missing(append(services, in.cfg.Services...))) == 0 {
		cluster = app.Union(sum)
	}
	for _, id := range hub {
		if err := c.ensureAppData(ctx, ca, id, map[string]string{rollout.ClusterKey: rollout.FormatCluster(cluster)}); err != nil {
			return err
		}
	}
	return nil
}
