// Package temporaladmin is a stand-in for the temporal-admin-k8s charm,
// for the local model: it migrates the Temporal schemas of every server
// related on admin and answers admin queries.
package temporaladmin

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/internal/inject"
	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/internal/workload"
)

// Names from metadata.yaml.
const (
	ContainerName = "temporal-admin"
	Endpoint      = "admin"
)

// Keys of the admin relation's application databags.
const (
	KeyConnections     = "database_connections"
	KeySchemaStatus    = "schema_status"
	KeyMigratedVersion = "migrated_workload_version"
)

// Messages shown when the schema cannot be set up.
const (
	MsgNoConnections = "admin:temporal relation: database connections info not available"
	MsgUnreachable   = "waiting for the database to be reachable"
)

// unreachableWait bounds how long one hook waits for a database that
// refuses connections before it leaves the rest to update-status.
const unreachableWait = 2 * time.Minute

// Charm handles one event.
type Charm struct {
	juju      *juju.Client
	event     juju.Event
	container *workload.Container
}

// Dispatch runs the event named by the environment.
func Dispatch(ctx context.Context, getenv func(string) string) error {
	ev, err := juju.ParseEvent(getenv)
	if err != nil {
		return err
	}
	container, err := workload.Connect(ContainerName)
	if err != nil {
		return err
	}
	c := &Charm{juju: juju.NewClient(juju.ExecRunner{}), event: ev, container: container}
	switch ev.Kind {
	case juju.Action:
		return c.action(ctx)
	case juju.Stop, juju.Remove:
		return nil
	}
	return c.reconcile(ctx, ev.Kind == juju.UpdateStatus)
}

func (c *Charm) logf(ctx context.Context, format string, a ...any) {
	// Logging is best effort: a hook must not fail because of it.
	_ = c.juju.Log(ctx, juju.LogInfo, fmt.Sprintf(format, a...))
}

func (c *Charm) status(ctx context.Context, name juju.StatusName, msg string) error {
	return c.juju.StatusSet(ctx, juju.Status{Name: name, Message: msg}, false)
}

// version asks the rock's server binary for its version.
func (c *Charm) version(ctx context.Context) (string, error) {
	out, err := c.container.Exec(ctx, workload.Cmd{Args: []string{"/usr/bin/temporal-server", "--version"}, WorkingDir: "/", Timeout: time.Minute})
	if err != nil {
		return "", fmt.Errorf("cannot read the server version: %w", err)
	}
	return ParseServerVersion(out)
}

// relationData is one admin relation as the leader sees it.
type relationData struct {
	id          string
	app         string
	connections Connections
	hasData     bool
	published   map[string]string
}

func (c *Charm) relations(ctx context.Context) ([]relationData, error) {
	ids, err := c.juju.RelationIDs(ctx, Endpoint)
	if err != nil {
		return nil, err
	}
	var rels []relationData
	for _, id := range ids {
		app, err := c.juju.RelationApp(ctx, id)
		if err != nil {
			return nil, err
		}
		rel := relationData{id: id, app: app}
		if app == "" {
			rels = append(rels, rel)
			continue
		}
		remote, err := c.juju.RelationGet(ctx, id, app, true)
		if err != nil {
			return nil, err
		}
		if raw := remote[KeyConnections]; raw != "" {
			conns, err := ParseConnections(raw)
			if err != nil {
				c.logf(ctx, "ignoring %s from %s (%s): %v", KeyConnections, app, id, err)
			} else {
				rel.connections, rel.hasData = conns, true
			}
		}
		rel.published, err = c.juju.RelationGet(ctx, id, c.event.App, true)
		if err != nil {
			return nil, err
		}
		rels = append(rels, rel)
	}
	return rels, nil
}

// reconcile migrates every database the admin relations name and
// publishes the outcome. On update-status it only does so when some
// relation is not yet marked ready for this version.
func (c *Charm) reconcile(ctx context.Context, lazy bool) error {
	if !c.container.Ready() {
		return c.status(ctx, juju.StatusWaiting, "waiting for Pebble in the "+ContainerName+" container")
	}
	version, err := c.version(ctx)
	if err != nil {
		return err
	}
	if err := c.juju.ApplicationVersionSet(ctx, version); err != nil {
		return err
	}
	leader, err := c.juju.IsLeader(ctx)
	if err != nil {
		return err
	}
	if !leader {
		return c.status(ctx, juju.StatusActive, "")
	}
	rels, err := c.relations(ctx)
	if err != nil {
		return err
	}
	if lazy && allPublished(rels, version) {
		return c.status(ctx, juju.StatusActive, "")
	}
	outcome := c.migrate(ctx, rels)
	for _, rel := range rels {
		if !rel.hasData {
			continue
		}
		data := publication(rel.connections, outcome, version)
		if data == nil || unchanged(rel.published, data) {
			continue
		}
		if err := c.juju.RelationSet(ctx, rel.id, true, data); err != nil {
			return err
		}
	}
	name, msg := summarize(outcome)
	return c.status(ctx, name, msg)
}

// publication is what to publish to one relation after a migration run:
// nothing while a database is unreachable (the next try may succeed).
func publication(conns Connections, outcome map[Target]result, version string) map[string]string {
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
		// An empty value deletes the key.
		return map[string]string{KeySchemaStatus: "failed", KeyMigratedVersion: ""}
	}
	return map[string]string{KeySchemaStatus: "ready", KeyMigratedVersion: version}
}

func allPublished(rels []relationData, version string) bool {
	for _, rel := range rels {
		if rel.hasData && (rel.published[KeySchemaStatus] != "ready" || rel.published[KeyMigratedVersion] != version) {
			return false
		}
	}
	return true
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

const (
	resultOK result = iota + 1
	resultUnreachable
	resultPermission
	resultFailed
)

// migrate sets up each distinct database once, with the first relation
// user that has the rights to do it.
func (c *Charm) migrate(ctx context.Context, rels []relationData) map[Target]result {
	creds := map[Target][]Connection{}
	var targets []Target
	for _, rel := range rels {
		if !rel.hasData {
			continue
		}
		for _, kind := range []string{KindDB, KindVisibility} {
			conn := rel.connections.Get(kind)
			t := TargetOf(kind, conn)
			if _, seen := creds[t]; !seen {
				targets = append(targets, t)
			}
			creds[t] = append(creds[t], conn)
		}
	}
	outcome := map[Target]result{}
	for _, t := range targets {
		outcome[t] = c.migrateOne(ctx, t, creds[t])
	}
	return outcome
}

func (c *Charm) migrateOne(ctx context.Context, t Target, conns []Connection) result {
	deadline := time.Now().Add(unreachableWait)
	for {
		res := resultFailed
		for _, conn := range conns {
			res = c.runSchema(ctx, t, conn)
			if res != resultPermission {
				break
			}
		}
		if res != resultUnreachable || time.Now().After(deadline) {
			return res
		}
		select {
		case <-ctx.Done():
			return resultUnreachable
		case <-time.After(3 * time.Second):
		}
	}
}

func (c *Charm) runSchema(ctx context.Context, t Target, conn Connection) result {
	for _, cmd := range SchemaCommands(t.Kind, conn) {
		if _, err := c.container.Exec(ctx, cmd); err != nil {
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

func (c *Charm) action(ctx context.Context) error {
	switch c.event.Name {
	case "tctl", "cli":
		return c.tctl(ctx)
	case "setup-schema":
		if err := c.reconcile(ctx, false); err != nil {
			return c.juju.ActionFail(ctx, err.Error())
		}
		return c.juju.ActionSet(ctx, map[string]string{"result": "schema set up"})
	case inject.Action:
		return inject.Run(ctx, c.juju, Endpoint, func(ctx context.Context) error { return c.reconcile(ctx, false) })
	}
	return c.juju.ActionFail(ctx, fmt.Sprintf("unknown action %q", c.event.Name))
}

func (c *Charm) tctl(ctx context.Context) error {
	params, err := c.juju.ActionGet(ctx)
	if err != nil {
		return err
	}
	args, _ := params["args"].(string)
	if args == "" {
		return c.juju.ActionFail(ctx, errNoArgs.Error())
	}
	inv, err := ParseArgs(args)
	if err != nil {
		return c.juju.ActionFail(ctx, err.Error())
	}
	address := inv.Address
	if address == "" {
		cfg, err := c.juju.ConfigGet(ctx)
		if err != nil {
			return err
		}
		server, _ := cfg["server-name"].(string)
		if server == "" {
			server = "temporal-k8s"
		}
		address = fmt.Sprintf("%s:%d", server, InternalFrontendPort)
	}
	var output string
	switch inv.Command {
	case CommandDescribe:
		resp, derr := DescribeCluster(ctx, address)
		if err = derr; err == nil {
			output, err = NewDescription(resp).JSON()
		}
	case CommandHealth:
		output, err = ClusterHealth(ctx, address)
	default:
		err = errors.New("unsupported command")
	}
	if err != nil {
		return c.juju.ActionFail(ctx, fmt.Sprintf("command failed: %v", err))
	}
	return c.juju.ActionSet(ctx, map[string]string{"output": output, "result": "command succeeded"})
}
