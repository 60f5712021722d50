package charm

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/temporal-k8s/temporal-k8s/internal/config"
	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/peer"
	"github.com/temporal-k8s/temporal-k8s/internal/temporal"
)

func (c *Charm) runAction(ctx context.Context) error {
	switch c.event.Name {
	case "restart":
		return c.restart(ctx)
	case "describe-cluster":
		return c.describeCluster(ctx)
	case "ingress-url":
		return c.ingressURL(ctx)
	default:
		return c.Juju.ActionFail(ctx, fmt.Sprintf("unknown action %q", c.event.Name))
	}
}

// restart restarts the server only when the unit could run it, and
// reports whether it came back. Unless forced, it takes its turn with the
// restart lock, as a new configuration does: it restarts at once when the
// lock is free for it, and otherwise asks for it and returns, and the
// unit restarts in the hook that brings it the lock.
func (c *Charm) restart(ctx context.Context) error {
	params, err := c.Juju.ActionGet(ctx)
	if err != nil {
		return fmt.Errorf("cannot read the action's parameters: %w", err)
	}
	if force, _ := params["force"].(bool); force {
		return c.forceRestart(ctx)
	}
	ca := c.beginHook(ctx)
	c.restartAction = true
	in, a, err := c.reconcileInputs(ctx, ca)
	if err != nil {
		return err
	}
	c.endHook(ctx, ca)
	switch {
	case a.out == nil:
		return c.Juju.ActionFail(ctx, "cannot restart: "+a.st.result().Message)
	case !a.restarted && a.need != "":
		return c.Juju.ActionSet(ctx, map[string]string{"result": fmt.Sprintf(
			"restart queued: temporal-server restarts when this unit holds the restart lock (held by %s), which the leader grants to one unit at a time",
			holderName(in.grant.Unit))})
	case !a.serving:
		return c.Juju.ActionFail(ctx, "temporal-server restarted but is not serving: "+a.st.result().Message)
	}
	return c.Juju.ActionSet(ctx, map[string]string{"result": "temporal-server restarted and serving"})
}

// forceRestart restarts the server at once, whatever the other units do.
func (c *Charm) forceRestart(ctx context.Context) error {
	ca := c.beginHook(ctx)
	in, err := c.gather(ctx, ca)
	if err != nil {
		return err
	}
	a := c.assess(in)
	if a.out == nil {
		return c.Juju.ActionFail(ctx, "cannot restart: "+a.st.result().Message)
	}
	// The restart action's own request, granted at once: applyFiles
	// restarts a running server, with a new layer if it has one, and
	// starts one that is not running.
	a.need, a.mayRestart = peer.ActionRequest, true
	if _, err := c.applyFiles(ctx, in, &a); err != nil {
		return c.Juju.ActionFail(ctx, "cannot restart temporal-server: "+err.Error())
	}
	c.workloadStatus(ctx, in, &a, true)
	status := a.st.result()
	if err := c.setStatus(ctx, status, false); err != nil {
		return err
	}
	// The cache stays as beginHook left it: the next hook reconciles in
	// full and sets its status.
	if status.Name != juju.StatusActive {
		return c.Juju.ActionFail(ctx, "temporal-server restarted but is not serving: "+status.Message)
	}
	return c.Juju.ActionSet(ctx, map[string]string{"result": "temporal-server restarted and serving"})
}

// describeCluster reports the cluster's rings as the local frontend sees
// them: the membership view the README's walkthrough checks.
func (c *Charm) describeCluster(ctx context.Context) error {
	raw, err := c.Juju.ConfigGet(ctx)
	if err != nil {
		return fmt.Errorf("cannot read config: %w", err)
	}
	cfg, _ := config.Parse(raw)
	if !cfg.Has(config.Frontend) || c.Describe == nil {
		return c.Juju.ActionFail(ctx, "describe-cluster runs on units of an application with the frontend service (services option)")
	}
	plan, err := c.Container.Plan(ctx)
	if err != nil {
		return c.Juju.ActionFail(ctx, "cannot read the temporal container's plan: "+err.Error())
	}
	client, err := c.internodeClient(ctx, temporal.ServesInternodeTLS(plan))
	if err != nil {
		return c.Juju.ActionFail(ctx, err.Error())
	}
	d, err := c.Describe(ctx, temporal.LocalGRPC(temporal.InternalFrontend), client)
	if err != nil {
		return c.Juju.ActionFail(ctx, err.Error())
	}
	results := map[string]string{
		"cluster-id":          d.ClusterID,
		"history-shard-count": strconv.Itoa(d.HistoryShardCount),
	}
	for role, n := range d.Rings {
		results["rings."+role+".count"] = strconv.Itoa(n)
		results["rings."+role+".members"] = strings.Join(d.Members[role], ",")
	}
	return c.Juju.ActionSet(ctx, results)
}
