package model_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/model"
)

func TestScaleDownAndLeadership(t *testing.T) {
	t.Parallel()
	// demo/0 must lead for the scale-down to leave the leader alone.
	e := newEnv(t, lowestLeads)
	ch := e.charm("demo", fakeCharm{})
	e.deploy(ch, "demo", 3, nil)
	e.deploy(ch, "other", 1, nil)
	_, err := e.m.Relate("demo:api", "other:backend")
	require.NoError(t, err)
	e.settle()

	e.clearEvents()
	require.NoError(t, e.m.Scale("demo", 2))
	e.settle()
	require.Equal(t, []string{
		"hooks/api-relation-departed other/0",
		"hooks/api-relation-broken",
		"hooks/peer-relation-departed demo/0",
		"hooks/peer-relation-departed demo/1",
		"hooks/stop",
		"hooks/remove",
	}, e.events("demo/2"))
	require.Equal(t, []string{"hooks/peer-relation-departed demo/2"}, e.events("demo/0"))
	require.Equal(t, []string{"hooks/backend-relation-departed demo/2"}, e.events("other/0"))
	require.NotContains(t, e.m.Status().Applications["demo"].Units, "demo/2")

	// Removing the leader hands leadership to the remaining unit.
	e.clearEvents()
	require.NoError(t, e.m.Scale("demo", 0))
	e.settle()
	require.NoError(t, e.m.Scale("demo", 1))
	e.settle()
	st := e.m.Status()
	require.True(t, st.Applications["demo"].Units["demo/0"].Leader)
	require.Contains(t, e.events("demo/0"), "hooks/leader-elected")
}

// Any unit may win an election, as any agent's lease claim may land
// first: over a few models of three units, more than one unit leads.
func TestAnyUnitMayLead(t *testing.T) {
	t.Parallel()
	leaders := map[string]bool{}
	for seed := uint64(1); seed <= 6; seed++ {
		e := newEnv(t, func(c *model.Config) { c.Seed = seed })
		e.deploy(e.charm("demo", fakeCharm{}), "demo", 3, nil)
		e.settle()
		leader, _ := e.leaderOf("demo")
		leaders[leader] = true
		e.m.Close()
	}
	require.Greater(t, len(leaders), 1, "the same unit led every time: %v", leaders)
}

func TestLeaderRemovedElectsAnother(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.deploy(e.charm("demo", fakeCharm{}), "demo", 2, nil)
	e.settle()
	leader, other := e.leaderOf("demo")
	e.clearEvents()
	require.NoError(t, e.m.RemoveUnitForTest(leader))
	e.settle()
	require.True(t, e.m.Status().Applications["demo"].Units[other].Leader)
	require.Equal(t, []string{
		"hooks/peer-relation-departed " + leader,
		"hooks/leader-elected",
	}, e.events(other))
}

// When the leader's unit is removed, its teardown hooks still run as the
// leader; once it is dead its lease is revoked and the application has no
// leader until another unit's claim lands (Config.ClaimDelay).
func TestLeaderlessGapAfterTheLeaderGoes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *model.Config) { c.ClaimDelay = 2 * time.Second })
	e.deploy(e.charm("demo", fakeCharm{}), "demo", 2, nil)
	e.settle()
	leader, other := e.leaderOf("demo")
	e.clearEvents()
	start := time.Now()
	require.NoError(t, e.m.RemoveUnitForTest(leader))
	e.waitFor(leader+" gone", func() bool {
		_, ok := e.m.Status().Applications["demo"].Units[leader]
		return !ok
	})
	require.False(t, e.m.Status().Applications["demo"].Units[other].Leader, "no leader until a claim lands")
	// A unit added during the gap does not cut it short.
	require.NoError(t, e.m.Scale("demo", 2))
	for name, u := range e.m.Status().Applications["demo"].Units {
		require.False(t, u.Leader, "%s leads during the gap", name)
	}
	require.False(t, e.m.Idle(), "a leaderless gap is not settled")
	e.settle()
	require.GreaterOrEqual(t, time.Since(start), 2*time.Second)
	// The new leader may be the unit added in the gap, which takes the
	// removed unit's ordinal as a StatefulSet does; the events were
	// cleared while the removed unit already led.
	elected, _ := e.leaderOf("demo")
	require.Contains(t, e.events(elected), "hooks/leader-elected")
}
