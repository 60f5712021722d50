package charm_test

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/internal/juju/jujutest"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/rollout"
	"github.com/temporal-k8s/temporal-k8s/internal/temporal"
)

// memberRelation is one application following this one on
// internode-rollout.
func memberRelation(n int, svc string) *jujutest.Relation {
	return &jujutest.Relation{ID: "internode-rollout:" + string(rune('0'+n)) + "1", RemoteApp: "temporal-" + svc,
		RemoteUnits: []string{"temporal-" + svc + "/0"}, RemoteAppData: map[string]string{}}
}

// The hub's leader says the cluster's range to its members only once it
// has heard from an application running each service: until then a
// member could take a cluster that has not heard from worker for one
// without TLS. Its own units count, from its peer data.
func TestRolloutHubSumsTheCluster(t *testing.T) {
	t.Parallel()
	// The hub runs history too: a member that says nothing usable is
	// skipped, not the end of the sum.
	s := ready(true, map[string]any{"services": "frontend,history"})
	s.Relations[0].RemoteUnits = []string{app + "/1"}
	s.Relations[0].RemoteUnitData = map[string]map[string]string{app + "/1": {rollout.UnitKey: "1"}}
	f := settled(t, s)
	require.Equal(t, "0 1", f.relation(t, "peer:0").LocalAppData[rollout.StagesKey], "the leader sums its units up")
	members := []*jujutest.Relation{memberRelation(1, "history"), memberRelation(2, "matching"), memberRelation(3, "worker")}
	for _, m := range members {
		f.model.Update(func(s *jujutest.State) { s.Relations = append(s.Relations, m) })
		f.mustRun(t, tlsEvent(juju.RelationCreated, m))
	}
	said := func() []string {
		var out []string
		for _, m := range members {
			out = append(out, f.relation(t, m.ID).LocalAppData[rollout.ClusterKey])
		}
		return out
	}
	require.Equal(t, []string{"", "", ""}, said(), "nobody heard from")

	tell := func(m *jujutest.Relation, stages, services string) {
		t.Helper()
		f.model.Update(func(*jujutest.State) {
			m.RemoteAppData = map[string]string{rollout.StagesKey: stages, rollout.ServicesKey: services}
		})
		f.mustRun(t, tlsEvent(juju.RelationChanged, m))
	}
	tell(members[1], "2 2", "matching")
	require.Equal(t, []string{"", "", ""}, said(), "worker not heard from")
	tell(members[0], "bad", "history")
	tell(members[2], "1 1", "worker")
	require.Equal(t, []string{"0 2", "0 2", "0 2"}, said(), "what a member cannot say is not heard, and the rest is")
	tell(members[0], "", "history")
	require.Equal(t, []string{"0 2", "0 2", "0 2"}, said())
	tell(members[0], "3 3", "history")
	require.Equal(t, []string{"0 3", "0 3", "0 3"}, said(), "its own units, at 0 and 1, hold the low end")
}

// A member's leader says its application's range and services on the
// hub relation, and sums its units up again when one of them moves:
// relation-changed from a unit whose stage moved runs in full on a
// settled leader. A stage nobody can read counts as the lowest and the
// highest, so nobody steps past it.
func TestRolloutMemberSaysItsApplication(t *testing.T) {
	t.Parallel()
	s := ready(true, map[string]any{"services": "history"})
	s.Relations[0].RemoteUnits = []string{app + "/1"}
	s.Relations[0].RemoteUnitData = map[string]map[string]string{app + "/1": {}}
	f := settled(t, s)
	hub := f.joinRolloutHub(t)
	require.Equal(t, map[string]string{rollout.ServicesKey: "history"}, f.relation(t, hub.ID).LocalAppData, "a plain application says only its services")
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})

	for _, tt := range []struct{ stage, want string }{{"2", "0 2"}, {"1", "0 1"}, {"x", "0 3"}, {"", ""}} {
		f.model.Update(func(s *jujutest.State) { s.Relations[0].RemoteUnitData[app+"/1"][rollout.UnitKey] = tt.stage })
		f.model.Calls()
		f.mustRun(t, peerChangedBy(app+"/1"))
		requireFull(t, f)
		require.Equal(t, tt.want, f.relation(t, "peer:0").LocalAppData[rollout.StagesKey], tt.stage)
		require.Equal(t, tt.want, f.relation(t, hub.ID).LocalAppData[rollout.StagesKey], tt.stage)
	}
	// Settled again: the same news is nothing new.
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
	f.model.Calls()
	f.mustRun(t, peerChangedBy(app+"/1"))
	calls := callNames(f.model.Calls())
	require.Less(t, len(calls), fullCount, "%v", calls)
}

// A unit steps only as far as the cluster lets it: behind its proxy at
// once, and then, its hub not having heard from every service, it
// waits, serving, and says why. The hub's word, on a settled unit, runs
// in full and moves it on.
func TestRolloutWaitsForTheCluster(t *testing.T) {
	t.Parallel()
	f := settled(t, ready(true, map[string]any{"services": "history"}))
	hub := f.joinRolloutHub(t)
	f.issueInternodeCert(t)
	f.mustRun(t, tlsEvent(juju.RelationChanged, hub))
	require.Equal(t, rollout.AcceptTLS, f.stage(t))
	require.Equal(t, juju.Status{Name: juju.StatusActive, Message: "internode TLS stays at stage 1 of 3 (accepting TLS, dialing plaintext): temporal has not heard from every service yet"}, f.status())
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
	require.Equal(t, rollout.AcceptTLS, f.stage(t), "nothing moves it but news")

	f.model.Update(func(*jujutest.State) { hub.RemoteAppData = map[string]string{rollout.ClusterKey: "0 1"} })
	f.model.Calls()
	f.mustRun(t, tlsEvent(juju.RelationChanged, hub))
	requireFull(t, f)
	require.Equal(t, rollout.AcceptTLS, f.stage(t), "a unit of the cluster is not behind its proxy yet")
	require.Equal(t, juju.Status{Name: juju.StatusActive, Message: "internode TLS stays at stage 1 of 3 (accepting TLS, dialing plaintext): waiting for every unit of the cluster to reach it"}, f.status())

	starts := f.box.Starts(temporal.ServiceName)
	f.model.Update(func(*jujutest.State) { hub.RemoteAppData = map[string]string{rollout.ClusterKey: "1 1"} })
	f.mustRun(t, tlsEvent(juju.RelationChanged, hub))
	require.Equal(t, rollout.TLSAcceptPlain, f.stage(t))
	require.Equal(t, juju.Status{Name: juju.StatusActive, Message: "internode TLS is switching: stage 2 of 3 (TLS, accepting plaintext)"}, f.status())
	require.Equal(t, starts+1, f.box.Starts(temporal.ServiceName))
	require.True(t, f.ringpopTLS(t))
}

// An application that runs some of the services, with no hub, cannot
// know the cluster: it goes behind its proxy, which talks with everyone,
// and no further, and the operator is told what to relate.
func TestRolloutWithoutAHubIsBlocked(t *testing.T) {
	t.Parallel()
	f := settled(t, ready(true, map[string]any{"services": "history,matching"}))
	f.issueInternodeCert(t)
	for range 3 {
		f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
	}
	require.Equal(t, rollout.AcceptTLS, f.stage(t))
	require.Equal(t, juju.Status{Name: juju.StatusBlocked, Message: "internode TLS stays at stage 1 of 3 (accepting TLS, dialing plaintext): relate temporal-k8s:internode-rollout-hub to the frontend application's internode-rollout, which hears from frontend, worker"}, f.status())
	require.False(t, f.ringpopTLS(t))
}

// An application that runs every service is the whole cluster: it needs
// no hub, and goes all the way.
func TestRolloutOneApplicationIsTheCluster(t *testing.T) {
	t.Parallel()
	f := settled(t, ready(true, map[string]any{"services": "frontend,history,matching,worker"}))
	starts := f.box.Starts(temporal.ServiceName)
	f.issueInternodeCert(t)
	for range 4 {
		f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
	}
	require.Equal(t, rollout.TLS, f.stage(t))
	require.Equal(t, active, f.status())
	require.Equal(t, starts+2, f.box.Starts(temporal.ServiceName))
}

// A unit whose server is not running, in a cluster that runs TLS, does
// not start without its certificate: it could talk to nobody.
func TestRolloutStartWaitsForTheCertificate(t *testing.T) {
	t.Parallel()
	s := ready(true, map[string]any{"services": "history"})
	s.Relations = append(s.Relations, &jujutest.Relation{ID: "internode-rollout-hub:40", RemoteApp: "temporal",
		RemoteUnits: []string{"temporal/0"}, RemoteAppData: map[string]string{rollout.ClusterKey: "3 3"}})
	f := newFixture(t, s)
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
	require.Equal(t, juju.Status{Name: juju.StatusWaiting, Message: "waiting for the internode certificate: the cluster runs internode TLS (stages 0 to 3 of 3)"}, f.status())
	require.Zero(t, f.box.Starts(temporal.ServiceName))
}

// hubMembers are the three applications following a frontend hub, each
// saying where its units are.
func hubMembers(stages string) []*jujutest.Relation {
	var out []*jujutest.Relation
	for i, svc := range []string{"history", "matching", "worker"} {
		m := memberRelation(i+1, svc)
		m.RemoteAppData = map[string]string{rollout.StagesKey: stages, rollout.ServicesKey: svc}
		out = append(out, m)
	}
	return out
}

// The hub's own units step on what the members say: behind the proxy at
// once, and no further while an application running worker has not
// said where it is (blocked: the operator must relate it); then each
// step once the members are where it needs them. Each member is read
// once a hook, though the unit and its leader's sum both need it.
func TestRolloutHubStepsWithItsMembers(t *testing.T) {
	t.Parallel()
	s := ready(true, map[string]any{"services": "frontend"})
	members := hubMembers("")
	members[2].RemoteAppData = map[string]string{}
	s.Relations = append(s.Relations, members...)
	f := settled(t, s)
	f.issueInternodeCert(t)
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
	require.Equal(t, rollout.AcceptTLS, f.stage(t))
	require.Equal(t, juju.Status{Name: juju.StatusBlocked, Message: "internode TLS stays at stage 1 of 3 (accepting TLS, dialing plaintext): no application running worker is related to temporal-k8s:internode-rollout"}, f.status())

	tell := func(stages string) {
		t.Helper()
		// The model holds its own copy of the state it was given.
		f.model.Update(func(s *jujutest.State) {
			for _, m := range s.Relations {
				if m.Endpoint() == rollout.HubEndpoint {
					m.RemoteAppData = map[string]string{rollout.StagesKey: stages, rollout.ServicesKey: m.RemoteApp[len("temporal-"):]}
				}
			}
		})
		f.model.Calls()
		f.mustRun(t, tlsEvent(juju.RelationChanged, members[0]))
	}
	tell("0 1")
	require.Equal(t, rollout.AcceptTLS, f.stage(t), "a member's unit is not behind its proxy yet")
	tell("1 1")
	calls := f.model.Calls()
	require.Equal(t, rollout.TLSAcceptPlain, f.stage(t), "%v", f.status())
	n := 0
	for _, c := range calls {
		if slices.Contains(c.Args, members[1].ID) && c.Name == "relation-get" && slices.Contains(c.Args, members[1].RemoteApp) {
			n++
		}
	}
	require.Equal(t, 1, n, "each member read once a hook")
	tell("2 3")
	require.Equal(t, rollout.TLS, f.stage(t))
	require.Equal(t, active, f.status())
}

// A unit that stays where it is reads nothing of the cluster: a full
// reconcile of a settled member names no rollout relation.
func TestRolloutStillReadsNothing(t *testing.T) {
	t.Parallel()
	f := settled(t, ready(true, map[string]any{"services": "history"}))
	hub := f.joinRolloutHub(t)
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
	f.model.Calls()
	f.mustRun(t, juju.Event{Kind: juju.UpgradeCharm})
	for _, c := range f.model.Calls() {
		require.NotContains(t, c.Args, hub.ID, "%s %v", c.Name, c.Args)
	}
}

// A range nobody can read, in the peer app data, holds the unit where it
// is and says why: it does not step on its own stage alone.
func TestRolloutUnreadableRangeHoldsTheUnit(t *testing.T) {
	t.Parallel()
	f := settled(t, ready(true, map[string]any{"services": "frontend,history,matching,worker"}))
	f.issueInternodeCert(t)
	require.Equal(t, rollout.AcceptTLS, f.stage(t))
	f.model.Update(func(s *jujutest.State) {
		s.Relations[0].LocalAppData = map[string]string{rollout.StagesKey: "junk"}
		s.Leader = false
	})
	f.mustRun(t, peerChanged)
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
	require.Equal(t, rollout.AcceptTLS, f.stage(t))
	require.Equal(t, juju.Status{Name: juju.StatusActive, Message: `internode TLS stays at stage 1 of 3 (accepting TLS, dialing plaintext): cannot parse internode-stages "junk": want two stages, lowest first`}, f.status())
}

// Stepping down with no relation and no certificate the container can
// give back, the unit has nothing to show its peers: it goes without TLS
// at once.
func TestRolloutDownWithoutTheHeldCertificate(t *testing.T) {
	t.Parallel()
	f := settled(t, ready(true, map[string]any{"services": "frontend,history,matching,worker"}))
	f.issueInternodeCert(t)
	for range 4 {
		f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
	}
	require.Equal(t, rollout.TLS, f.stage(t))
	f.container = pullFails{Container: f.box, path: temporal.InternodeKeyPath}
	starts := f.box.Starts(temporal.ServiceName)
	f.model.Update(func(s *jujutest.State) { s.Relations = s.Relations[:len(s.Relations)-1] })
	f.mustRun(t, juju.Event{Kind: juju.RelationBroken, Name: "internode-certificates-relation-broken", Relation: "internode-certificates",
		RelationID: "internode-certificates:30", RemoteApp: "self-signed-certificates", Model: tlsModel})
	require.Equal(t, rollout.Plain, f.stage(t))
	require.Equal(t, starts+1, f.box.Starts(temporal.ServiceName))
	require.False(t, f.ringpopTLS(t))
}
