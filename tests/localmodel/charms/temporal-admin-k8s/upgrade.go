package temporaladmin

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
)

// StatusMigrating is the schema_status the current track publishes from its
// upgrade-charm until it has migrated again.
const StatusMigrating = "migrating"

// MsgUpgradePending is the leader's status while it is.
const MsgUpgradePending = "schema migration pending after a refresh"

// beginUpgrade is the current track's upgrade-charm: the leader marks
// every admin relation migrating, with no version, and migrates every
// store again in a later hook, once the refreshed workload answers (the
// real charm since track 1.24: peer upgrade_schema_pending, schema_status
// migrating; ../shared/reference/incumbent.md §2b). Juju commits a hook's
// relation data when it ends, so migrating is what servers read in
// between. Track 1.23 has no such handler.
func (c *Charm) beginUpgrade(ctx context.Context) error {
	if err := c.loadSettings(ctx); err != nil || c.settings.Track == Track123 {
		return c.reconcile(ctx, modeChanged)
	}
	leader, err := c.juju.IsLeader(ctx)
	if err != nil {
		return err
	}
	if !leader {
		return c.reconcile(ctx, modeChanged)
	}
	st, err := c.loadState(ctx)
	if err != nil {
		return err
	}
	before := st.encode()
	rels, err := c.relations(ctx)
	if err != nil {
		return err
	}
	data := map[string]string{KeySchemaStatus: StatusMigrating, KeyMigratedVersion: ""}
	for _, rel := range rels {
		if !rel.hasData || unchanged(rel.published, data) {
			continue
		}
		if err := c.juju.RelationSet(ctx, rel.id, true, data); err != nil {
			return err
		}
	}
	st.UpgradePending = true
	if err := c.saveState(ctx, before, st); err != nil {
		return err
	}
	return c.status(ctx, juju.StatusMaintenance, MsgUpgradePending)
}

// preUpgradeCheck is the current track's pre-upgrade-check action, with
// the result keys incumbent.md §2b lists: what the admin would migrate to
// (its image's version), what it last migrated, whether every database
// answers, and how many admin relations it looked at. It cannot verify a
// backup, and says so.
func (c *Charm) preUpgradeCheck(ctx context.Context) error {
	if c.settings.Track == Track123 {
		return c.juju.ActionFail(ctx, "pre-upgrade-check is not an action of track 1.23")
	}
	st, err := c.loadState(ctx)
	if err != nil {
		return err
	}
	boot, err := c.workload.BootID()
	if err != nil {
		return c.juju.ActionFail(ctx, "cannot reach Pebble in the "+ContainerName+" container")
	}
	target, err := c.version(ctx, &st, boot)
	if err != nil {
		return c.juju.ActionFail(ctx, err.Error())
	}
	rels, err := c.relations(ctx)
	if err != nil {
		return err
	}
	checked, current, reach := 0, "", "ok"
	for _, rel := range rels {
		if !rel.hasData {
			continue
		}
		checked++
		if done, ok := st.Migrated[rel.id]; ok {
			current = done.Version
		}
		for _, kind := range []string{KindDB, KindVisibility} {
			conn := rel.connections.Get(kind)
			addr := net.JoinHostPort(conn.Host, conn.Port)
			dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			nc, err := c.dial(dctx, "tcp", addr)
			cancel()
			if err != nil {
				reach = fmt.Sprintf("cannot reach %s (%s of %s): %v", addr, kind, rel.id, err)
				continue
			}
			nc.Close()
		}
	}
	if current == "" {
		current = "unknown"
	}
	return c.juju.ActionSet(ctx, map[string]string{
		"target-schema-version":   target,
		"current-schema-version":  current,
		"schema-ready-for-target": strconv.FormatBool(current == target),
		"database-connectivity":   reach,
		"admin-relations-checked": strconv.Itoa(checked),
		"backup-verified":         "false",
		"warning":                 "back up both databases before refreshing the server: this action cannot check a backup",
	})
}
