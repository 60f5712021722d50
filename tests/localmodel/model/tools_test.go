package model_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/model"
)

// Relation ids in the tool fixture: a's peers, b's peers, a:backend-b:api.
const (
	peerA = 0
	relAB = 2
)

// step runs one hook tool in a named context. Contexts are created on
// first use from the step's unit and hook; commit applies a context's
// staged changes as a successful hook would.
type step struct {
	ctx    string
	unit   string
	hook   string
	rel    int
	remote string
	action map[string]any

	args   string
	argv   []string
	stdin  string
	files  map[string][]byte
	code   int
	out    string
	err    string
	commit bool
	// save stores stdout (trimmed) under a name usable as {name}.
	save string
}

type scenario struct {
	t *testing.T
	e *env
	// ctxs are keyed "<name>@<unit>".
	ctxs     map[string]*model.TestContext
	vars     map[string]string
	lastUnit map[string]string
}

// newToolFixture deploys a (two units, a/0 leader) and b (one unit)
// related a:backend-b:api, with config options of every type.
func newToolFixture(t *testing.T) *scenario {
	e := newEnv(t, lowestLeads)
	ch := e.charm("demo", fakeCharm{
		config: `options:
  s: {type: string, default: hi}
  n: {type: int, default: 1}
  f: {type: float, default: 0.5}
  b: {type: boolean, default: true}
  u: {type: string}
`,
		actions: "do: {}\n",
	})
	e.deploy(ch, "a", 2, nil)
	e.deploy(ch, "b", 1, nil)
	_, err := e.m.Relate("a:backend", "b:api")
	require.NoError(t, err)
	e.settle()
	sc := &scenario{t: t, e: e, ctxs: map[string]*model.TestContext{}, vars: map[string]string{}, lastUnit: map[string]string{}}
	st := e.m.Status()
	for app, as := range st.Applications {
		for name, u := range as.Units {
			sc.vars["ip:"+name] = u.Address
		}
		_ = app
	}
	return sc
}

func (sc *scenario) expand(s string) string {
	for k, v := range sc.vars {
		s = strings.ReplaceAll(s, "{"+k+"}", v)
	}
	return s
}

func (sc *scenario) run(steps []step) {
	t := sc.t
	for i, s := range steps {
		name := s.ctx + "@" + s.unit
		if s.commit {
			name = s.ctx + "@" + sc.lastUnit[s.ctx]
		}
		if !s.commit {
			sc.lastUnit[s.ctx] = s.unit
		}
		c := sc.ctxs[name]
		if c == nil {
			var err error
			c, err = sc.e.m.NewTestContext(model.TestHook{
				Unit: s.unit, Hook: s.hook, RelationID: s.rel, RemoteUnit: s.remote,
				Action: map[bool]string{true: "do"}[s.action != nil], Params: s.action,
			})
			require.NoError(t, err)
			sc.ctxs[name] = c
			sc.vars["uuid"] = c.ModelUUID()
		}
		if s.commit {
			require.NoError(t, c.Commit(), "step %d", i)
			continue
		}
		argv := s.argv
		if argv == nil {
			argv = strings.Fields(sc.expand(s.args))
		}
		var code int
		var out, errOut string
		if s.files != nil {
			code, out, errOut = c.RunWithFiles(s.files, argv...)
		} else {
			code, out, errOut = c.Run(s.stdin, argv...)
		}
		desc := strings.Join(argv, " ")
		require.Equal(t, sc.expand(s.err), errOut, "step %d: %s: stderr", i, desc)
		require.Equal(t, s.code, code, "step %d: %s: exit code", i, desc)
		if s.save != "" {
			sc.vars[s.save] = strings.TrimSpace(out)
			continue
		}
		require.Equal(t, sc.expand(s.out), out, "step %d: %s: stdout", i, desc)
	}
}

func TestToolsConfigAndLeadership(t *testing.T) {
	t.Parallel()
	sc := newToolFixture(t)
	sc.run([]step{
		{unit: "a/0", args: "config-get --format=json", out: `{"b":true,"f":0.5,"n":1,"s":"hi"}` + "\n"},
		{unit: "a/0", args: "config-get --all --format=json", out: `{"b":true,"f":0.5,"n":1,"s":"hi","u":null}` + "\n"},
		{unit: "a/0", args: "config-get s", out: "hi\n"},
		{unit: "a/0", args: "config-get b", out: "True\n"},
		{unit: "a/0", args: "config-get nonexistent", out: ""},
		{unit: "a/0", args: "config-get --format=json nonexistent", out: "null\n"},
		{unit: "a/0", args: "config-get s --all", code: 2, err: "ERROR cannot use argument --all together with key \"s\"\n"},
		{unit: "a/0", args: "config-get --foo", code: 2, err: "ERROR option provided but not defined: --foo\n"},
		{unit: "a/0", args: "config-get s n", code: 2, err: "ERROR unrecognized args: [\"n\"]\n"},
		{unit: "a/0", args: "is-leader", out: "True\n"},
		{unit: "a/0", args: "is-leader --format=json", out: "true\n"},
		{unit: "a/1", args: "is-leader", out: "False\n"},
		{unit: "a/0", args: "unit-get private-address", out: "{ip:a/0}\n"},
		{unit: "a/0", args: "unit-get foo", code: 2, err: "ERROR unknown setting \"foo\"\n"},
		{unit: "a/0", args: "network-get backend --bind-address", out: "{ip:a/0}\n"},
		{unit: "a/0", args: "network-get backend --ingress-address --format=json", out: "\"{ip:a/0}\"\n"},
		{unit: "a/0", args: "network-get backend --format=json", out: `{"bind-addresses":[{"mac-address":"","interface-name":"","addresses":[{"hostname":"","value":"{ip:a/0}","cidr":""}]}],"egress-subnets":["{ip:a/0}/32"],"ingress-addresses":["{ip:a/0}"]}` + "\n"},
		{unit: "a/0", args: "network-get foo", code: 1, err: "ERROR no network config found for binding \"foo\"\n"},
		{unit: "a/0", args: "network-get", code: 2, err: "ERROR no arguments specified\n"},
		{unit: "a/0", args: "application-version-set", code: 2, err: "ERROR no version specified\n"},
		{unit: "a/0", args: "juju-log", code: 2, err: "ERROR no message specified\n"},
		{unit: "a/0", args: "juju-log -l WARNING hello there", out: ""},
		{unit: "a/0", args: "goal-state --format=json", save: "goal"},
	})
	require.Contains(t, sc.vars["goal"], `"a/0":{"status":"unknown"`)
	require.Contains(t, sc.vars["goal"], `"backend":{"b":{"status":"joined"`)
}

func TestToolsRelations(t *testing.T) {
	t.Parallel()
	sc := newToolFixture(t)
	sc.run([]step{
		{unit: "a/0", args: "relation-ids backend --format=json", out: `["backend:2"]` + "\n"},
		{unit: "a/0", args: "relation-ids nope --format=json", out: "[]\n"},
		{unit: "a/0", args: "relation-ids", code: 2, err: "ERROR no endpoint name specified\n"},
		{ctx: "rel", unit: "a/0", hook: "backend-relation-changed", rel: relAB, remote: "b/0", args: "relation-ids", out: "backend:2\n"},
		{unit: "a/0", args: "relation-list -r 2 --format=json", out: `["b/0"]` + "\n"},
		{unit: "a/0", args: "relation-list -r backend:2 --app --format=json", out: `"b"` + "\n"},
		{unit: "a/0", args: "relation-list -r 0 --format=json", out: `["a/1"]` + "\n"},
		{unit: "a/0", args: "relation-list -r 0 --app", out: "a\n"},
		{unit: "a/0", args: "relation-list -r 9", code: 2, err: "ERROR invalid value \"9\" for option -r: relation not found\n"},
		// ops asks every relation's model: there are no cross-model
		// relations here.
		{unit: "a/0", args: "relation-model-get -r 2 --format=json", out: `{"uuid":"{uuid}"}` + "\n"},
		{ctx: "rel", unit: "a/0", args: "relation-model-get", out: "uuid: {uuid}\n"},
		{unit: "a/0", args: "relation-model-get", code: 2, err: "ERROR no relation id specified\n"},
		{unit: "a/0", args: "relation-list", code: 2, err: "ERROR no relation id specified\n"},
		// b/0 publishes unit and app data.
		{ctx: "b", unit: "b/0", args: "relation-set -r 2 host=pg port=5432"},
		{ctx: "b", unit: "b/0", args: "relation-set -r 2 --app endpoints=pg:5432"},
		{ctx: "b", unit: "b/0", args: "relation-get -r 2 host b/0", out: "pg\n"},
		{ctx: "b", unit: "b/0", args: "relation-get -r 2 --app endpoints b", out: "pg:5432\n"},
		// Not visible to others before the commit.
		{ctx: "before", unit: "a/0", args: "relation-get -r 2 host b/0", out: ""},
		{ctx: "b", commit: true},
		// The first context cached b/0's bag for the rest of its hook.
		{ctx: "before", unit: "a/0", args: "relation-get -r 2 host b/0", out: ""},
		{ctx: "after", unit: "a/0", args: "relation-get -r 2 host b/0", out: "pg\n"},
		{ctx: "after", unit: "a/0", args: "relation-get -r 2 --format=json missing b/0", out: "null\n"},
		{ctx: "after", unit: "a/0", args: "relation-get -r 2 --app --format=json - b", out: `{"endpoints":"pg:5432"}` + "\n"},
		{ctx: "after", unit: "a/1", args: "relation-get -r 2 --app endpoints b/0", out: "pg:5432\n"},
		{ctx: "rel", unit: "a/0", args: "relation-get port", out: "5432\n"},
		{ctx: "broken", unit: "a/0", hook: "backend-relation-broken", rel: relAB, args: "relation-get endpoints", out: "pg:5432\n"},
		{ctx: "broken", unit: "a/0", args: "relation-list --format=json", out: "[]\n"},
		// The relation is alive: a unit's broken hook still lists it
		// (see TestRelationIDsInBrokenHooks for Juju's whole rule).
		{ctx: "broken", unit: "a/0", args: "relation-ids backend --format=json", out: `["backend:2"]` + "\n"},
		{ctx: "after", unit: "a/0", args: "relation-get -r 2", code: 2, err: "ERROR no unit or application specified\n"},
		{ctx: "after", unit: "a/0", args: "relation-get -r 2 - b", code: 2, err: "ERROR expected unit name, got application name \"b\"\n"},
		{ctx: "after", unit: "a/0", args: "relation-get -r 2 - B/x", code: 2, err: "ERROR invalid unit name \"B/x\"\n"},
		{ctx: "after", unit: "a/0", args: "relation-get -r 2 - c/0", code: 1, err: "ERROR permission denied\n"},
		{ctx: "after", unit: "a/0", args: "relation-get -r 2 - b/5", code: 1, err: "ERROR cannot read settings for unit \"b/5\" in relation \"a:backend b:api\": unit \"b/5\": settings not found\n"},
		// Own app bag: leader only on a regular relation, everyone on peers.
		{ctx: "after", unit: "a/1", args: "relation-get -r 2 --app - a", code: 1, err: "ERROR permission denied\n"},
		{ctx: "after", unit: "a/0", args: "relation-get -r 2 --app --format=json - a", out: "{}\n"},
		{ctx: "after", unit: "a/1", args: "relation-get -r 0 --app --format=json - a", out: "{}\n"},
		{ctx: "after", unit: "a/1", args: "relation-set -r 2 --app k=v", code: 1, err: "ERROR cannot write relation settings\n"},
		{ctx: "after", unit: "a/1", args: "relation-set -r 2 k=v k=w", code: 2, err: "ERROR key \"k\" specified more than once\n"},
		{ctx: "after", unit: "a/1", args: "relation-set -r 2 nokey", code: 2, err: "ERROR expected \"key=value\", got \"nokey\"\n"},
		{ctx: "after", unit: "a/1", args: "relation-set -r 2 --format json k=v", err: "--format flag deprecated for command \"relation-set\"\n"},
		// --file - reads YAML (or JSON) on stdin; key= deletes.
		{ctx: "file", unit: "a/1", args: "relation-set -r 2 --file -", stdin: `{"x": "1", "y": "two"}`},
		{ctx: "file", unit: "a/1", args: "relation-set -r 2 y="},
		{ctx: "file", unit: "a/1", argv: []string{"relation-get", "-r", "2", "--format=json", "-", "a/1"}, save: "bag"},
		// A failed hook commits nothing: ctx "file" is never committed.
		{ctx: "fresh", unit: "b/0", args: "relation-get -r 2 x a/1", out: ""},
	})
	require.Contains(t, sc.vars["bag"], `"x":"1"`)
	require.NotContains(t, sc.vars["bag"], `"y"`)
	require.Contains(t, sc.vars["bag"], `"private-address":"`+sc.vars["ip:a/1"]+`"`)
}

func TestToolsStatusPortsState(t *testing.T) {
	t.Parallel()
	sc := newToolFixture(t)
	sc.run([]step{
		{unit: "a/0", args: "status-set active all-good"},
		{unit: "a/0", args: "status-get --format=json --include-data", out: `{"message":"all-good","status":"active","status-data":{}}` + "\n"},
		{unit: "a/0", args: "status-get", out: "active\n"},
		{unit: "a/0", args: "status-get --format=json", out: `{"status":"active"}` + "\n"},
		{unit: "a/0", args: "status-set error", code: 2, err: "ERROR invalid status \"error\", expected one of [maintenance blocked waiting active]\n"},
		{unit: "a/0", args: "status-set", code: 2, err: "ERROR invalid args, require <status> [message]\n"},
		{unit: "a/0", args: "status-set active two words", code: 2, err: "ERROR unrecognized args: [\"words\"]\n"},
		{unit: "a/1", args: "status-set --application active", code: 1, err: "ERROR this unit is not the leader\n"},
		{unit: "a/1", args: "status-get --application", code: 1, err: "ERROR finding application status: this unit is not the leader\n"},
		{unit: "a/0", args: "status-set --application blocked need-db"},
		{unit: "a/0", args: "status-get --application --format=json", save: "appstatus"},
		{unit: "a/0", args: "application-version-set 1.31.2"},

		{ctx: "p1", unit: "a/0", args: "open-port 8080"},
		{ctx: "p1", unit: "a/0", args: "open-port 9090/UDP"},
		{ctx: "p1", unit: "a/0", args: "open-port 7000"},
		{ctx: "p1", unit: "a/0", args: "close-port 7000"},
		{ctx: "p1", unit: "a/0", args: "opened-ports --format=json", out: `["8080/tcp","9090/udp"]` + "\n"},
		{ctx: "p1", unit: "a/0", args: "opened-ports --endpoints", out: "8080/tcp (*)\n9090/udp (*)\n"},
		{ctx: "p2", unit: "a/0", args: "opened-ports --format=json", out: "[]\n"},
		{ctx: "p1", unit: "a/0", args: "open-port 8000-8100/tcp", code: 1, err: "ERROR port ranges are not supported for k8s applications, please specify a single port\n"},
		{ctx: "p1", unit: "a/0", args: "open-port 70000", code: 2, err: "ERROR port range bounds must be between 0 and 65535, got 70000-70000\n"},
		{ctx: "p1", commit: true},
		{ctx: "p3", unit: "a/0", args: "opened-ports", out: "8080/tcp\n9090/udp\n"},

		{ctx: "s1", unit: "a/0", args: "state-get --format=json", out: "null\n"},
		{ctx: "s1", unit: "a/0", args: "state-set k=v other=x"},
		{ctx: "s1", unit: "a/0", args: "state-get k", out: "v\n"},
		{ctx: "s1", unit: "a/0", args: "state-get --format=json missing", out: "\"\"\n"},
		{ctx: "s1", unit: "a/0", args: "state-get --strict missing", code: 1, err: "ERROR \"missing\" not found\n"},
		{ctx: "s2", unit: "a/0", args: "state-get k", out: ""},
		{ctx: "s1", commit: true},
		{ctx: "s3", unit: "a/0", args: "state-delete other"},
		{ctx: "s3", unit: "a/0", args: "state-get --format=json", out: `{"k":"v"}` + "\n"},
		{ctx: "s4", unit: "a/1", args: "state-get --format=json", out: "null\n"},
	})
	// Status and version take effect at once, without a commit.
	st := sc.e.m.Status()
	require.Equal(t, model.StatusInfo{Current: "active", Message: "all-good"}, model.StatusInfo{
		Current: st.Applications["a"].Units["a/0"].WorkloadStatus.Current, Message: st.Applications["a"].Units["a/0"].WorkloadStatus.Message,
	})
	require.Equal(t, "blocked", st.Applications["a"].ApplicationStatus.Current)
	require.Equal(t, "1.31.2", st.Applications["a"].Version)
	require.Equal(t, []string{"8080/tcp", "9090/udp"}, st.Applications["a"].Units["a/0"].OpenPorts)
	require.Contains(t, sc.vars["appstatus"], `{"application-status":{"status":"blocked","units":{"a/0":{"status":"active"},"a/1":{"status":`)
}

func TestToolsActions(t *testing.T) {
	t.Parallel()
	sc := newToolFixture(t)
	params := map[string]any{"a": map[string]any{"b": "c"}, "n": 3}
	sc.run([]step{
		{unit: "a/0", args: "action-get", code: 1, err: "ERROR not running an action\n"},
		{ctx: "act", unit: "a/1", action: params, args: "action-get a.b", out: "c\n"},
		{ctx: "act", unit: "a/1", args: "action-get --format=json", out: `{"a":{"b":"c"},"n":3}` + "\n"},
		{ctx: "act", unit: "a/1", args: "action-get --format=json a.nope", out: "null\n"},
		{ctx: "act", unit: "a/1", args: "action-set Foo=1", code: 2, err: "ERROR key \"Foo\" must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric and hyphens\n"},
		{ctx: "act", unit: "a/1", args: "action-set stdout=x", code: 2, err: "ERROR cannot set reserved action key \"stdout\"\n"},
		{ctx: "act", unit: "a/1", args: "action-set x", code: 2, err: "ERROR argument \"x\" must be of the form key...=value\n"},
		{ctx: "act", unit: "a/1", args: "action-set res.x=1 res.y=2 top=t"},
		{ctx: "act", unit: "a/1", args: "action-fail"},
	})
	res, failed, msg := sc.ctxs["act@a/1"].ActionResults()
	require.Equal(t, map[string]any{"res": map[string]any{"x": "1", "y": "2"}, "top": "t"}, res)
	require.True(t, failed)
	require.Equal(t, "action failed without reason given, check action for errors", msg)
}

func TestActionResultsAndOutput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ch := e.charm("demo", fakeCharm{
		actions: "greet:\n  params:\n    name: {type: string}\n  required: [name]\nboom: {}\n",
		script: map[string]string{
			"actions/greet": `action-set greeting="hello $(action-get name)"; echo out; echo err >&2`,
			"actions/boom":  `relation-set -r 0 never=committed; exit 3`,
		},
	})
	e.deploy(ch, "demo", 1, nil)
	e.settle()
	res := e.runAction("demo/0", "greet", map[string]any{"name": 42})
	require.Equal(t, "completed", res.Status)
	require.Equal(t, map[string]any{"greeting": "hello 42", "return-code": float64(0), "stdout": "out\n", "stderr": "err\n"}, normalize(res.Results))
	res = e.runAction("demo/0", "boom", nil)
	require.Equal(t, "failed", res.Status)
	require.Equal(t, "exit status 3", res.Message)
	// A failed action does not put the unit in error.
	require.Equal(t, "idle", e.m.Status().Applications["demo"].Units["demo/0"].JujuStatus.Current)
	_, err := e.m.RunAction("demo/0", "greet", nil)
	require.ErrorContains(t, err, `"name" property is missing and required`)
	_, err = e.m.RunAction("demo/0", "nope", nil)
	require.ErrorContains(t, err, `action "nope" not defined`)
}

// normalize makes numbers compare the same whatever their Go type.
func normalize(m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		if n, ok := v.(int); ok {
			v = float64(n)
		}
		out[k] = v
	}
	return out
}

func TestToolsSecrets(t *testing.T) {
	t.Parallel()
	sc := newToolFixture(t)
	sc.run([]step{
		{ctx: "o", unit: "a/0", args: "secret-ids --format=json", out: "null\n"},
		{ctx: "n", unit: "a/1", args: "secret-add xyz=yyy", code: 1, err: "ERROR this unit is not the leader\n"},
		{ctx: "o", unit: "a/0", args: "secret-add", code: 2, err: "ERROR missing secret value or filename\n"},
		{ctx: "o", unit: "a/0", args: "secret-add pass=", code: 2, err: "ERROR key value \"pass=\" not valid\n"},
		{ctx: "o", unit: "a/0", args: "secret-add --label db-pass pass#file=/p user=admin", files: map[string][]byte{"/p": []byte("one")}, save: "uri"},
		// Pending creates are visible to their creator at once.
		{ctx: "o", unit: "a/0", args: "secret-get {uri} --format=json", out: `{"pass":"one","user":"admin"}` + "\n"},
		{ctx: "o", unit: "a/0", args: "secret-get --label db-pass --format=json", out: `{"pass":"one","user":"admin"}` + "\n"},
		{ctx: "o", unit: "a/0", args: "secret-grant {uri} -r 2"},
		{ctx: "o", commit: true},
		{ctx: "o2", unit: "a/0", args: "secret-ids", save: "xid"},
		{ctx: "o2", unit: "a/0", args: "secret-info-get {uri} --format=json", save: "info"},
		{ctx: "o2", unit: "a/0", args: "secret-info-get --label nope", code: 1, err: "ERROR secret \"nope\" not found\n"},
		{ctx: "o2", unit: "a/0", args: "secret-info-get {uri} --label x", code: 2, err: "ERROR specify either a secret URI or label but not both\n"},
		// The consumer, granted through the relation.
		{ctx: "c1", unit: "b/0", args: "secret-get {uri}", out: "pass: one\nuser: admin\n"},
		{ctx: "c1", unit: "b/0", args: "secret-get {uri} --label mine pass", out: "one\n"},
		{ctx: "c1", unit: "b/0", args: "secret-get --peek --refresh {uri}", code: 2, err: "ERROR specify one of --peek or --refresh but not both\n"},
		{ctx: "c1", unit: "b/0", args: "secret-get", code: 2, err: "ERROR require either a secret URI or label\n"},
		{ctx: "c1", unit: "b/0", args: "secret-get secret:aaaaaaaaaaaaaaaaaaa0", code: 1, err: "ERROR secret \"secret:aaaaaaaaaaaaaaaaaaa0\" not found\n"},
		// Juju stages an update of a secret the unit does not manage;
		// the controller refuses it when the hook commits.
		{ctx: "c1", unit: "b/0", args: "secret-set {uri} pass=two"},
		// A non-leader peer of the owner can read it; it cannot change it.
		{ctx: "n", unit: "a/1", args: "secret-get {uri} pass", out: "one\n"},
		{ctx: "n", unit: "a/1", args: "secret-set {uri} pass=two"},
		// New revision: the consumer keeps its revision until --refresh.
		{ctx: "o3", unit: "a/0", args: "secret-set {uri} pass=two user=admin"},
		// A pending update is read back only with --peek or --refresh.
		{ctx: "o3", unit: "a/0", args: "secret-get {uri} pass", out: "one\n"},
		{ctx: "o3", unit: "a/0", args: "secret-get {uri} --peek pass", out: "two\n"},
		{ctx: "o3", commit: true},
		{ctx: "c2", unit: "b/0", args: "secret-get --label mine --format=json", out: `{"pass":"one","user":"admin"}` + "\n"},
		{ctx: "c2", unit: "b/0", args: "secret-get {uri} --peek pass", out: "two\n"},
		{ctx: "c2", unit: "b/0", args: "secret-get {uri} pass", out: "one\n"},
		{ctx: "c2", unit: "b/0", args: "secret-get {uri} --refresh pass", out: "two\n"},
		{ctx: "c2", unit: "b/0", args: "secret-get {uri} pass", out: "two\n"},
		// Revoked: no longer readable.
		{ctx: "o4", unit: "a/0", args: "secret-revoke {uri} -r 2"},
		{ctx: "o4", commit: true},
		{ctx: "c3", unit: "b/0", args: "secret-get {uri}", code: 1, err: "ERROR permission denied\n"},
		// Unit-owned secrets: any unit may add them, others cannot read them.
		{ctx: "u", unit: "a/1", args: "secret-add --owner unit --file /f", files: map[string][]byte{"/f": []byte("token: abc\n")}, save: "unituri"},
		{ctx: "u", commit: true},
		{ctx: "u2", unit: "a/1", args: "secret-get {unituri} token", out: "abc\n"},
		{ctx: "u2", unit: "a/0", args: "secret-get {unituri} token", code: 1, err: "ERROR permission denied\n"},
		{ctx: "o5", unit: "a/0", args: "secret-remove {uri}"},
		{ctx: "o5", commit: true},
		{ctx: "o6", unit: "a/0", args: "secret-ids --format=json", out: "null\n"},
	})
	require.True(t, strings.HasPrefix(sc.vars["uri"], "secret://"+sc.vars["uuid"]+"/"), sc.vars["uri"])
	require.Len(t, sc.vars["xid"], 20)
	require.Equal(t, sc.vars["uri"], "secret://"+sc.vars["uuid"]+"/"+sc.vars["xid"])
	require.Equal(t, `{"`+sc.vars["xid"]+`":{"revision":1,"label":"db-pass","owner":"application","access":[{"target":"application-b","scope":"relation-2","role":"view"}]}}`, sc.vars["info"])
}

func TestSecretLabelConflictFailsCommit(t *testing.T) {
	t.Parallel()
	sc := newToolFixture(t)
	sc.run([]step{
		{ctx: "x", unit: "a/0", args: "secret-add --label same key=v1", save: "u1"},
		{ctx: "x", commit: true},
		{ctx: "y", unit: "a/0", args: "secret-add --label same key=v2", save: "u2"},
	})
	require.EqualError(t, sc.ctxs["y@a/0"].Commit(), `secret with label "same" already exists`)
}
