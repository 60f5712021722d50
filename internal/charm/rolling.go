package charm

import (
	"context"
	"fmt"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/peer"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/rollout"
	"github.com/temporal-k8s/temporal-k8s/internal/temporal"
)

// The restart lock (see peer.RequestKey): a running server restarts only
// while its unit holds the lock, so the other units of the application
// serve meanwhile. A server that is not running starts at once: it serves
// nobody, and a cluster's first start must not wait on itself.

// restartNeed is why the running server must restart: the hash of the
// configuration it must restart with, the restart action's request, or
// "" when it need not.
func (c *Charm) restartNeed(in *inputs, a *assessment) string {
	if a.out == nil || !in.running() {
		return ""
	}
	if in.plan.Services[temporal.ServiceName].Environment[temporal.HashEnv] != a.out.Hash {
		return a.out.Hash
	}
	if c.restartAction || in.request == peer.ActionRequest {
		return peer.ActionRequest
	}
	return ""
}

// roll reads the lock and this unit's request, asks for the lock when the
// server must restart, and on the leader hands the lock on. It sets
// a.mayRestart.
func (c *Charm) roll(ctx context.Context, ca *cache, in *inputs, a *assessment) error {
	me := c.event.Unit
	grant, err := peer.ReadGrant(in.peerApp)
	if err != nil {
		// Only a leader writes it, and the leader writes it again.
		c.logf(ctx, juju.LogWarning, "Cannot read the restart lock: %v", err)
	}
	in.grant = grant
	// This unit's request matters when it may ask now, or asked before:
	// the cache says so, or, were the cache lost, the lock names it.
	if c.restartNeed(in, a) != "" || ca.Requested || grant.Unit == me {
		data, err := c.Juju.RelationGet(ctx, in.peerID, me, false)
		if err != nil {
			return fmt.Errorf("cannot read own peer data: %w", err)
		}
		in.request = data[peer.RequestKey]
	}
	a.need = c.restartNeed(in, a)
	if a.need != "" && in.request != a.need {
		if err := c.setRequest(ctx, ca, in, a.need); err != nil {
			return err
		}
	}
	if err := c.handOn(ctx, in); err != nil {
		return err
	}
	a.mayRestart = a.need == "" || in.grant.Unit == me
	if !a.mayRestart {
		a.st.add(juju.StatusActive, fmt.Sprintf("serving; restarts for %s when it holds the restart lock (held by %s)", describeNeed(a.need), holderName(in.grant.Unit)))
	}
	return nil
}

func holderName(unit string) string {
	if unit == "" {
		return "nobody yet"
	}
	return unit
}

func describeNeed(need string) string {
	if need == peer.ActionRequest {
		return "the restart action"
	}
	return "a new configuration"
}

// release withdraws this unit's request once its server serves as asked,
// which frees the lock; on the leader the lock goes on at once.
func (c *Charm) release(ctx context.Context, ca *cache, in *inputs, a *assessment) error {
	if in.request == "" || !a.mayRestart || !a.serving {
		return nil
	}
	if err := c.setRequest(ctx, ca, in, ""); err != nil {
		return err
	}
	return c.handOn(ctx, in)
}

func (c *Charm) setRequest(ctx context.Context, ca *cache, in *inputs, request string) error {
	c.wrote = true
	if err := c.Juju.RelationSet(ctx, in.peerID, false, map[string]string{peer.RequestKey: request}); err != nil {
		return fmt.Errorf("cannot write the restart request: %w", err)
	}
	in.request = request
	ca.Requested = request != ""
	return nil
}

// handOn is the leader's part: it grants the lock to the next unit that
// asks, or frees it.
func (c *Charm) handOn(ctx context.Context, in *inputs) error {
	if !in.leader {
		return nil
	}
	requests, err := c.restartRequests(ctx, in)
	if err != nil {
		return err
	}
	next := peer.NextGrant(in.grant, requests, c.Clock.Now())
	if next == in.grant {
		return nil
	}
	c.wrote = true
	if err := c.Juju.RelationSet(ctx, in.peerID, true, next.Data()); err != nil {
		return fmt.Errorf("cannot hand on the restart lock: %w", err)
	}
	in.grant = next
	return nil
}

// restartRequests reads which units ask for the lock. Other units' data is
// read only while some unit may ask: the lock is held, or a peer wrote
// (this hook is its peer-relation-changed), or this unit just became
// leader; a steady leader reads none.
func (c *Charm) restartRequests(ctx context.Context, in *inputs) (map[string]string, error) {
	requests := map[string]string{}
	if in.request != "" {
		requests[c.event.Unit] = in.request
	}
	peerEvent := c.event.Relation == PeerEndpoint && c.event.RemoteUnit != ""
	if !in.grant.Held() && !peerEvent && c.event.Kind != juju.LeaderElected && in.request == "" {
		return requests, nil
	}
	if err := c.readPeerUnits(ctx, in); err != nil {
		return nil, err
	}
	for u, r := range in.peerUnits {
		if r != "" {
			requests[u] = r
		}
	}
	return requests, nil
}

// readPeerUnits reads the other units' peer data once a hook: their
// restart requests and their stages of internode TLS.
func (c *Charm) readPeerUnits(ctx context.Context, in *inputs) error {
	if in.peerUnits != nil {
		return nil
	}
	units, err := c.Juju.RelationList(ctx, in.peerID)
	if err != nil {
		return fmt.Errorf("cannot list the peer units: %w", err)
	}
	in.peerUnits, in.peerStages = map[string]string{}, map[string]string{}
	for _, u := range units {
		data, err := c.Juju.RelationGet(ctx, in.peerID, u, false)
		if err != nil {
			return fmt.Errorf("cannot read the peer data of %s: %w", u, err)
		}
		in.peerUnits[u] = data[peer.RequestKey]
		in.peerStages[u] = data[rollout.UnitKey]
	}
	return nil
}
