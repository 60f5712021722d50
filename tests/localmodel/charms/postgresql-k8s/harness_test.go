package postgresql

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/internal/juju/jujutest"
)

// fakeDB records the scripts the charm runs.
type fakeDB struct {
	unavailable bool
	notReady    bool
	scripts     []string
}

func (f *fakeDB) Available() bool { return !f.unavailable }

func (f *fakeDB) Run(_ context.Context, script string) (string, error) {
	if f.notReady {
		return "", fmt.Errorf("%w: psql exited with status 2", errNotReady)
	}
	f.scripts = append(f.scripts, script)
	return "15.14 (Debian 15.14-0+deb12u1)\n", nil
}

func (f *fakeDB) takeScripts() []string {
	s := f.scripts
	f.scripts = nil
	return s
}

// harness runs the stand-in's relation hooks against jujutest, adding
// the tools jujutest lacks: the secrets the charm owns, staged like
// jujutest's own writes.
type harness struct {
	t  *testing.T
	m  *jujutest.Model
	db *fakeDB
	// calls are the tool names of the running hook, in order.
	calls []string

	secrets, stagedSecrets map[string]map[string]string
	grants                 map[string][]string
	nextSecret             int
}

func newHarness(t *testing.T, rels ...*jujutest.Relation) *harness {
	return &harness{
		t:       t,
		m:       jujutest.New(jujutest.State{Unit: testUnit, Leader: true, Config: map[string]any{"max-connections": 500}, Relations: rels}),
		db:      &fakeDB{},
		secrets: map[string]map[string]string{},
		grants:  map[string][]string{},
	}
}

// temporalRequest is what temporal-k8s's leader asks for.
func temporalRequest(database string) map[string]string {
	return map[string]string{
		"database":          database,
		"extra-user-roles":  "admin",
		"requested-secrets": `["username","password","tls","tls-ca","uris"]`,
	}
}

func rel(num int, app string, request map[string]string) *jujutest.Relation {
	return &jujutest.Relation{
		ID:             fmt.Sprintf("database:%d", num),
		RemoteApp:      app,
		RemoteUnits:    []string{app + "/0"},
		RemoteAppData:  request,
		RemoteUnitData: map[string]map[string]string{app + "/0": {}},
		LocalAppData:   map[string]string{},
		LocalUnitData:  map[string]string{},
	}
}

func contentFile(args []string) (map[string]string, error) {
	for i, a := range args {
		if a == "--file" && i+1 < len(args) {
			data, err := os.ReadFile(args[i+1])
			if err != nil {
				return nil, err
			}
			var content map[string]string
			return content, yaml.Unmarshal(data, &content)
		}
	}
	return nil, fmt.Errorf("no --file in %v", args)
}

func (h *harness) Run(ctx context.Context, stdin []byte, name string, args ...string) ([]byte, error) {
	h.calls = append(h.calls, name)
	switch name {
	case "secret-add":
		content, err := contentFile(args)
		require.NoError(h.t, err)
		h.nextSecret++
		// An xid: its last character must be "0" or "g".
		uri := fmt.Sprintf("secret:d2f3k8s000000000%03d0", h.nextSecret)
		h.stagedSecrets[uri] = content
		return []byte(uri + "\n"), nil
	case "secret-set":
		content, err := contentFile(args)
		require.NoError(h.t, err)
		h.stagedSecrets[args[0]] = content
		return nil, nil
	case "secret-grant":
		require.Equal(h.t, "-r", args[1])
		h.grants[args[0]] = append(h.grants[args[0]], args[2])
		return nil, nil
	case "secret-get":
		content, ok := h.stagedSecrets[args[0]]
		if !ok {
			content, ok = h.secrets[args[0]]
		}
		if !ok {
			return nil, &juju.ToolError{Tool: name, Code: 1, Stderr: "ERROR secret not found\n"}
		}
		return json.Marshal(content)
	}
	return h.m.Run(ctx, stdin, name, args...)
}

// hook runs one database relation hook and commits its writes if it
// succeeds, as Juju does. It returns the hook's tool calls.
func (h *harness) hook(kind juju.Kind, relID, remoteApp string) ([]string, error) {
	h.t.Helper()
	h.calls = nil
	h.stagedSecrets = map[string]map[string]string{}
	h.m.Calls()
	ev := juju.Event{
		Kind: kind, Name: "database-" + string(kind), Unit: testUnit, App: testApp, Model: testModel,
		Relation: Endpoint, RelationID: relID, RemoteApp: remoteApp,
	}
	c := &Charm{juju: juju.NewClient(h), event: ev, db: h.db}
	err := c.run(context.Background())
	if err != nil {
		h.m.Rollback()
		return h.calls, err
	}
	h.m.Commit()
	for k, v := range h.stagedSecrets {
		h.secrets[k] = v
	}
	return h.calls, nil
}

func (h *harness) mustHook(kind juju.Kind, relID, remoteApp string) []string {
	h.t.Helper()
	calls, err := h.hook(kind, relID, remoteApp)
	require.NoError(h.t, err)
	return calls
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

func (h *harness) unitState() unitState {
	st, err := decodeState(h.m.State().UnitState[stateKey])
	require.NoError(h.t, err)
	return st
}

func count(calls []string, name string) int {
	n := 0
	for _, c := range calls {
		if c == name {
			n++
		}
	}
	return n
}
