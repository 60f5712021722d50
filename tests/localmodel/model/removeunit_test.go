package model_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/model"
)

// highestLeads makes the unit with the highest ordinal win elections: on
// Kubernetes only the highest units can be removed, so this is the one
// leader remove-unit can take.
func highestLeads(c *model.Config) { c.Elect = model.ElectHighest }

// remove-unit on a k8s model lowers the scale: the highest units go, a
// leader among them runs its teardown hooks still leading, and the rest
// elect a new leader after the gap.
func TestRemoveUnitsTakesTheHighest(t *testing.T) {
	t.Parallel()
	e := newEnv(t, highestLeads)
	e.deploy(e.charm("demo", fakeCharm{script: map[string]string{
		"hooks/stop":   `echo "$JUJU_UNIT_NAME stop leader=$(is-leader)" >> ` + e.log,
		"hooks/remove": `echo "$JUJU_UNIT_NAME remove leader=$(is-leader)" >> ` + e.log,
	}}), "demo", 3, nil)
	e.settle()
	leader, _ := e.leaderOf("demo")
	require.Equal(t, "demo/2", leader)

	require.ErrorContains(t, e.m.RemoveUnits("demo", 0), "--num-units")
	require.ErrorContains(t, e.m.RemoveUnits("demo", 4), "cannot remove more units than currently exist")
	require.ErrorContains(t, e.m.RemoveUnits("nope", 1), `application "nope" not found`)

	e.clearEvents()
	require.NoError(t, e.m.RemoveUnits("demo", 2))
	e.settle()
	units := e.m.Status().Applications["demo"].Units
	require.Len(t, units, 1)
	require.True(t, units["demo/0"].Leader)
	require.Contains(t, e.events("demo/2"), "stop leader=True", "the leader's teardown runs while it leads")
	require.Contains(t, e.events("demo/2"), "remove leader=True")
	require.Contains(t, e.events("demo/1"), "remove leader=False")
	require.Contains(t, e.events("demo/0"), "hooks/leader-elected")
}
