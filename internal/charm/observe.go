package charm

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/temporal-k8s/temporal-k8s/internal/config"
	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/hostinfo"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/peer"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/rollout"
	"github.com/temporal-k8s/temporal-k8s/internal/temporal"
)

// observe handles a hook whose event leaves the inputs of the last full
// reconcile as they were (see cache for the rule): it reads the event's
// own input again, compares, and then only looks at the workload and
// reports. It returns false when the full reconcile must run instead;
// what it read is then read again there, which costs calls only when
// something really changed.
func (c *Charm) observe(ctx context.Context, ca *cache) (bool, error) {
	if !ca.Settled {
		return false, nil
	}
	switch c.event.Kind {
	case juju.UpdateStatus, juju.ConfigChanged, juju.LeaderSettingsChanged,
		juju.RelationChanged, juju.RelationDeparted:
	default:
		return false, nil
	}
	if ca.Leader {
		// Leadership is lost without an event; it is gained with one
		// (leader-elected), which always runs in full.
		leader, err := c.Juju.IsLeader(ctx)
		if err != nil {
			return false, fmt.Errorf("cannot read leadership: %w", err)
		}
		if !leader {
			return false, nil
		}
	}
	switch c.event.Kind {
	case juju.ConfigChanged:
		raw, err := c.Juju.ConfigGet(ctx)
		if err != nil {
			return false, fmt.Errorf("cannot read config: %w", err)
		}
		if !sameConfig(raw, ca.Config) {
			return false, nil
		}
	case juju.RelationChanged, juju.RelationDeparted:
		if c.event.Relation == hostinfo.Endpoint {
			// The charm reads nothing of its requirers: only a new
			// relation (relation-created, in full) calls for a write.
			break
		}
		seen, known := ca.Seen[c.event.RelationID]
		if !known {
			return false, nil
		}
		if ca.Leader && c.event.Relation == PeerEndpoint && c.event.RemoteUnit != "" && c.event.Kind == juju.RelationChanged {
			// A unit's own data holds its restart request: a unit
			// that asks needs the leader to hand the lock on. (A
			// held lock keeps the leader unsettled, so a request
			// withdrawn never gets here.)
			data, err := c.Juju.RelationGet(ctx, c.event.RelationID, c.event.RemoteUnit, false)
			if err != nil {
				return false, fmt.Errorf("cannot read the peer data of %s: %w", c.event.RemoteUnit, err)
			}
			if data[peer.RequestKey] != "" || data[rollout.UnitKey] != ca.UnitStages[c.event.RemoteUnit] {
				return false, nil
			}
		}
		if ca.Leader && c.event.Relation == PeerEndpoint && c.event.Kind == juju.RelationDeparted && ca.UnitStages[c.event.RemoteUnit] != "" {
			// A unit that goes no longer holds its application back.
			return false, nil
		}
		// A unit going changes nothing the charm reads; app data
		// changes come with relation-changed.
		if c.event.Kind == juju.RelationChanged && seen != "" {
			owner := c.event.App
			if c.event.RelationID != ca.PeerID {
				owner = ca.RemoteApps[c.event.RelationID]
			}
			if owner == "" {
				return false, nil
			}
			data, err := c.Juju.RelationGet(ctx, c.event.RelationID, owner, true)
			if err != nil {
				return false, fmt.Errorf("cannot read %s data: %w", c.event.RelationID, err)
			}
			if h, ok := seenHash(data); !ok || h != seen {
				return false, nil
			}
		}
	}

	in := &inputs{leader: ca.Leader, peerID: ca.PeerID, peerApp: ca.PeerApp, bindAddress: ca.BindAddress}
	in.cfg, in.problems = config.Parse(ca.Config)
	c.gatherWorkload(ctx, ca, in)
	if in.pebbleErr != nil || !in.running() ||
		in.plan.Services[temporal.ServiceName].Environment[temporal.HashEnv] != ca.Rendered {
		// The workload is not what the last reconcile left: a restarted
		// container, a stopped server. Put it back.
		return false, nil
	}
	// The version needs no check: a new one comes with a new Pebble
	// boot, whose empty plan has sent this hook to the full reconcile.
	var a assessment
	a.st.best = ca.Assessed
	c.workloadStatus(ctx, in, &a, false)
	c.checkCluster(ctx, ca, in, &a)
	// The full reconcile that cached the peer data parsed it: a change
	// since came with peer-relation-changed, which read it again.
	a.locks, _ = peer.ReadLocks(in.peerApp)
	if in.leader {
		if err := c.lock(ctx, in, &a); err != nil {
			return false, err
		}
	}
	if err := c.report(ctx, ca, in, &a.st); err != nil {
		return false, err
	}
	ca.Settled = !c.wrote
	return true, nil
}

// sameConfig compares config as config-get gives it, through JSON so that
// numbers compare as they were read.
func sameConfig(raw, cached map[string]any) bool {
	if len(raw) == 0 || len(cached) == 0 {
		return len(raw) == len(cached)
	}
	a, errA := json.Marshal(raw)
	b, errB := json.Marshal(cached)
	return errA == nil && errB == nil && string(a) == string(b)
}

// setStatus sets the unit's status, and on a leader the application's,
// when it differs from what this unit last set.
func (c *Charm) setStatus(ctx context.Context, s juju.Status, leader bool) error {
	ca := c.statuses
	if ca.UnitStatus != s {
		if err := c.Juju.StatusSet(ctx, s, false); err != nil {
			return fmt.Errorf("cannot set unit status: %w", err)
		}
		ca.UnitStatus = s
	}
	if !leader {
		return nil
	}
	if ca.AppStatus != s {
		if err := c.Juju.StatusSet(ctx, s, true); err != nil {
			return fmt.Errorf("cannot set application status: %w", err)
		}
		ca.AppStatus = s
	}
	return nil
}
