package temporaladmin

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
)

// publication is what to publish to one relation after a migration run:
// nil while a database is unreachable (the next try may succeed), and an
// empty map, nothing new, when a migration failed: neither real track
// publishes schema_status failed, only its unit status says it.
func publication(conns Connections, outcome map[Target]result, version, track string) map[string]string {
	failed := false
	for _, kind := range []string{KindDB, KindVisibility} {
		switch outcome[TargetOf(kind, conns.Get(kind))] {
		case resultOK:
		case resultUnreachable:
			return nil
		default:
			failed = true
		}
	}
	if failed {
		return map[string]string{}
	}
	if track == Track123 {
		return map[string]string{KeySchemaStatus: "ready"}
	}
	return map[string]string{KeySchemaStatus: "ready", KeyMigratedVersion: version}
}

func unchanged(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

type result int

// migrate sets up each distinct database of the relations dirty selects
// once, with the first relation user that has the rights to do it; the
// databases of the other relations were migrated by an earlier hook.
func (c *Charm) migrate(ctx context.Context, rels []relationData, dirty func(relationData) bool) map[Target]result {
	creds := map[Target][]Connection{}
	want := map[Target]bool{}
	var targets []Target
	for _, rel := range rels {
		if !rel.hasData {
			continue
		}
		d := dirty(rel)
		for _, kind := range []string{KindDB, KindVisibility} {
			conn := rel.connections.Get(kind)
			t := TargetOf(kind, conn)
			if _, seen := creds[t]; !seen {
				targets = append(targets, t)
			}
			creds[t] = append(creds[t], conn)
			want[t] = want[t] || d
		}
	}
	outcome := map[Target]result{}
	deadline := time.Now().Add(c.retryFor)
	for _, t := range targets {
		if !want[t] {
			outcome[t] = resultOK
			continue
		}
		outcome[t] = c.migrateOne(ctx, t, creds[t], deadline)
	}
	return outcome
}

// migrateOne migrates one database, trying a database that refuses
// connections again every retryEvery until the deadline.
func (c *Charm) migrateOne(ctx context.Context, t Target, conns []Connection, deadline time.Time) result {
	for {
		res := resultFailed
		for _, conn := range conns {
			res = c.runSchema(ctx, t, conn)
			if res != resultPermission {
				break
			}
		}
		if res != resultUnreachable || !time.Now().Add(c.retryEvery).Before(deadline) {
			return res
		}
		select {
		case <-ctx.Done():
			return resultUnreachable
		case <-time.After(c.retryEvery):
		}
	}
}

func (c *Charm) runSchema(ctx context.Context, t Target, conn Connection) result {
	for _, cmd := range SchemaCommands(t.Kind, conn, c.settings) {
		if _, err := c.workload.Exec(ctx, cmd); err != nil {
			failure := Classify(err)
			c.logf(ctx, "schema %s as %s: %s: %v", t, conn.User, cmd.Args[len(cmd.Args)-3], err)
			switch failure {
			case FailureUnreachable:
				return resultUnreachable
			case FailurePermission:
				return resultPermission
			}
			return resultFailed
		}
	}
	c.logf(ctx, "schema %s is up to date (user %s)", t, conn.User)
	return resultOK
}

// summarize turns the outcome into the unit status.
func summarize(outcome map[Target]result) (juju.StatusName, string) {
	if len(outcome) == 0 {
		return juju.StatusBlocked, MsgNoConnections
	}
	var failed, waiting []string
	for t, res := range outcome {
		switch res {
		case resultOK:
		case resultUnreachable:
			waiting = append(waiting, t.String())
		default:
			failed = append(failed, t.String())
		}
	}
	sort.Strings(failed)
	switch {
	case len(failed) > 0:
		return juju.StatusBlocked, fmt.Sprintf("schema migration failed for: %s; check the charm logs and then run the setup-schema action", strings.Join(failed, ", "))
	case len(waiting) > 0:
		return juju.StatusWaiting, MsgUnreachable
	}
	return juju.StatusActive, ""
}
