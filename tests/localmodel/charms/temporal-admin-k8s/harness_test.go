package temporaladmin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/internal/juju/jujutest"
	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/internal/workload"
)

// refused is temporal-sql-tool's failure on a database that refuses
// connections.
func refused(args []string) error {
	return &workload.ExecError{Args: args, ExitCode: 1, Stderr: `Unable to connect to SQL database. {"error": "dial tcp 10.1.0.5:5432: connect: connection refused"}`}
}

// fakeWorkload is the admin container: temporal-server --version and
// temporal-sql-tool runs, recorded.
type fakeWorkload struct {
	t       *testing.T
	boot    string
	down    bool
	version string
	// unreachable is how many more schema runs find the database
	// refusing connections.
	unreachable int
	// fail is the error of every schema run by a user.
	fail map[string]error
	cmds []workload.Cmd
}

func (f *fakeWorkload) BootID() (string, error) {
	if f.down {
		return "", errors.New("cannot connect to Pebble")
	}
	return f.boot, nil
}

func (f *fakeWorkload) Exec(_ context.Context, cmd workload.Cmd) (string, error) {
	f.cmds = append(f.cmds, cmd)
	switch cmd.Args[0] {
	case "/usr/bin/temporal-server":
		return "temporal version " + f.version + "\n", nil
	case SQLTool:
		if f.unreachable > 0 {
			f.unreachable--
			return "", refused(cmd.Args)
		}
		if err := f.fail[argAfter(cmd.Args, "-u")]; err != nil {
			return "", err
		}
		return "", nil
	}
	f.t.Fatalf("unexpected command %v", cmd.Args)
	return "", nil
}

func argAfter(args []string, flag string) string {
	for i, a := range args {
		if a == flag && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

// take returns the commands run since the last call, shortly: "version",
// or "<verb> <database> <user>" for a schema run.
func (f *fakeWorkload) take() []string {
	var out []string
	for _, cmd := range f.cmds {
		if cmd.Args[0] == SQLTool {
			verb := "update-schema"
			if argAfter(cmd.Args, "-v") == "0.0" {
				verb = "setup-schema"
			}
			out = append(out, fmt.Sprintf("%s %s %s", verb, argAfter(cmd.Args, "--db"), argAfter(cmd.Args, "-u")))
		} else {
			out = append(out, "version")
		}
	}
	f.cmds = nil
	return out
}

// migration is the schema runs of one migration of both databases.
func migrationRuns(user string) []string {
	return []string{
		"setup-schema temporal-k8s_db " + user, "update-schema temporal-k8s_db " + user,
		"setup-schema temporal-k8s_visibility " + user, "update-schema temporal-k8s_visibility " + user,
	}
}

// harness runs the stand-in's hooks against jujutest, recording the tool
// calls of each hook.
type harness struct {
	t  *testing.T
	m  *jujutest.Model
	wl *fakeWorkload
	// calls are the tool names of the running hook, in order.
	calls      []string
	retryEvery time.Duration
	retryFor   time.Duration
	// refused are the addresses dial refuses; any other answers.
	refused map[string]bool
}

func (h *harness) dial(_ context.Context, _, addr string) (net.Conn, error) {
	if h.refused[addr] {
		return nil, fmt.Errorf("dial tcp %s: connect: connection refused", addr)
	}
	a, b := net.Pipe()
	b.Close()
	return a, nil
}

func newHarness(t *testing.T, leader bool, rels ...*jujutest.Relation) *harness {
	return &harness{
		t:          t,
		m:          jujutest.New(jujutest.State{Unit: testUnit, Leader: leader, Config: map[string]any{"server-name": "temporal-k8s"}, Relations: rels}),
		wl:         &fakeWorkload{t: t, boot: "boot-1", version: testVersion},
		retryEvery: unreachableRetry,
		retryFor:   unreachableWait,
	}
}

// conns is database_connections as temporal-k8s publishes it.
func conns(user, password string) string {
	c := func(db string) map[string]any {
		return map[string]any{"dbname": db, "host": "10.1.0.5", "port": "5432", "user": user, "password": password, "tls": false}
	}
	data, err := json.Marshal(map[string]any{"db": c("temporal-k8s_db"), "visibility": c("temporal-k8s_visibility")})
	if err != nil {
		panic(err)
	}
	return string(data)
}

func rel(num int, app, connections string) *jujutest.Relation {
	remote := map[string]string{}
	if connections != "" {
		remote[KeyConnections] = connections
	}
	return &jujutest.Relation{
		ID:             fmt.Sprintf("admin:%d", num),
		RemoteApp:      app,
		RemoteUnits:    []string{app + "/0"},
		RemoteAppData:  remote,
		RemoteUnitData: map[string]map[string]string{app + "/0": {}},
		LocalAppData:   map[string]string{},
		LocalUnitData:  map[string]string{},
	}
}

func (h *harness) Run(ctx context.Context, stdin []byte, name string, args ...string) ([]byte, error) {
	h.calls = append(h.calls, name)
	return h.m.Run(ctx, stdin, name, args...)
}

// run runs one event and commits its writes if it succeeds, as Juju
// does. It returns the hook's tool calls.
func (h *harness) run(ev juju.Event) ([]string, error) {
	h.t.Helper()
	h.calls = nil
	h.m.Calls()
	ev.Unit, ev.App, ev.Model = testUnit, testApp, "lm"
	c := &Charm{juju: juju.NewClient(h), event: ev, workload: h.wl, retryEvery: h.retryEvery, retryFor: h.retryFor, dial: h.dial}
	err := c.run(context.Background())
	if err != nil {
		h.m.Rollback()
		return h.calls, err
	}
	h.m.Commit()
	return h.calls, nil
}

func (h *harness) mustRun(ev juju.Event) []string {
	h.t.Helper()
	calls, err := h.run(ev)
	require.NoError(h.t, err)
	return calls
}

// relationHook runs admin-relation-<kind> of a relation.
func (h *harness) relationHook(kind juju.Kind, relID, remoteApp string) []string {
	h.t.Helper()
	return h.mustRun(juju.Event{Kind: kind, Name: Endpoint + "-" + string(kind), Relation: Endpoint, RelationID: relID, RemoteApp: remoteApp, RemoteUnit: remoteApp + "/0"})
}

func (h *harness) hook(kind juju.Kind) []string {
	h.t.Helper()
	name := string(kind)
	if kind == juju.PebbleReady {
		name = ContainerName + "-" + name
	}
	return h.mustRun(juju.Event{Kind: kind, Name: name, Workload: ContainerName})
}

func (h *harness) relation(id string) jujutest.Relation {
	for _, r := range h.m.State().Relations {
		if r.ID == id {
			return *r
		}
	}
	h.t.Fatalf("no relation %s", id)
	return jujutest.Relation{}
}

func (h *harness) published(id string) map[string]string {
	return h.relation(id).LocalAppData
}

func (h *harness) unitState() unitState {
	var st unitState
	if v := h.m.State().UnitState[stateKey]; v != "" {
		require.NoError(h.t, json.Unmarshal([]byte(v), &st))
	}
	return st
}

func (h *harness) setRemote(id, connections string) {
	h.m.Update(func(s *jujutest.State) {
		for _, r := range s.Relations {
			if r.ID == id {
				r.RemoteAppData = map[string]string{KeyConnections: connections}
			}
		}
	})
}
