package conformance_test

import (
	"context"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
)

// Paths below are in Juju 3.6.25's source; jujuc/ is
// internal/worker/uniter/runner/jujuc and context/ is
// internal/worker/uniter/runner/context. Every hook tool runs through
// github.com/juju/cmd/v3's Main: an error from Init (arguments) exits 2,
// one from Run exits 1, both printed as "ERROR <text>"; flag errors are
// gnuflag's, with flags called "options" (cmd/supercommand.go, Info).

var scenarios = []scenario{
	{
		// jujuc/config-get.go: without a key, options that are unset and
		// have no default are left out unless --all; a missing key is
		// null; a key and --all together, or a second key, are refused.
		name: "config-get",
		hooks: []hook{{unit: "a/0", steps: []step{
			{call: func(ctx context.Context, c *juju.Client) (any, error) { return c.ConfigGet(ctx) }, out: `{"b":true,"f":0.5,"n":1,"s":"hi"}`},
			{cmd: "config-get --format=json", out: `{"b":true,"f":0.5,"n":1,"s":"hi"}` + "\n"},
			{cmd: "config-get --format=json --all", out: `{"b":true,"f":0.5,"n":1,"s":"hi","u":null}` + "\n"},
			{cmd: "config-get --format=json -a", out: `{"b":true,"f":0.5,"n":1,"s":"hi","u":null}` + "\n"},
			{cmd: "config-get --format=json n", out: "1\n"},
			{cmd: "config-get --format=json f", out: "0.5\n"},
			{cmd: "config-get --format=json b", out: "true\n"},
			{cmd: "config-get --format=json u", out: "null\n"},
			{cmd: "config-get --format=json missing", out: "null\n"},
			{cmd: "config-get --format=json s --all", code: 2, err: "ERROR cannot use argument --all together with key \"s\"\n"},
			{cmd: "config-get --format=json s n", code: 2, err: "ERROR unrecognized args: [\"n\"]\n"},
			{cmd: "config-get --format=json --nope", code: 2, err: "ERROR option provided but not defined: --nope\n"},
		}}},
	},
	{
		// jujuc/is-leader.go; leadership: a/0 leads a.
		name: "is-leader",
		hooks: []hook{
			{unit: "a/0", steps: []step{
				{call: func(ctx context.Context, c *juju.Client) (any, error) { return c.IsLeader(ctx) }, out: "true"},
				{cmd: "is-leader --format=json extra", code: 2, err: "ERROR unrecognized args: [\"extra\"]\n"},
			}},
			{unit: "a/1", steps: []step{
				{call: func(ctx context.Context, c *juju.Client) (any, error) { return c.IsLeader(ctx) }, out: "false"},
			}},
		},
	},
	{
		// jujuc/status-set.go: Init needs a status, checks it, then
		// refuses a third argument; --application by a non-leader is
		// refused at Run (context/context.go, SetApplicationStatus:
		// ErrIsNotLeader). A status is set at once (goal-state shows it).
		name: "status-set",
		hooks: []hook{
			{unit: "a/1", steps: []step{
				{call: func(ctx context.Context, c *juju.Client) (any, error) {
					return nil, c.StatusSet(ctx, juju.Status{Name: juju.StatusBlocked, Message: "-x"}, true)
				}, code: 1, err: "status-set failed (exit 1): this unit is not the leader"},
				{cmd: "status-set --application active", code: 1, err: "ERROR this unit is not the leader\n"},
			}},
			{unit: "a/0", steps: []step{
				{call: func(ctx context.Context, c *juju.Client) (any, error) {
					return nil, c.StatusSet(ctx, juju.Status{Name: juju.StatusBlocked, Message: "need db"}, true)
				}, out: "null"},
				{call: func(ctx context.Context, c *juju.Client) (any, error) {
					return nil, c.StatusSet(ctx, juju.Status{Name: juju.StatusMaintenance, Message: "-starting"}, false)
				}, out: "null"},
				{cmd: "status-set error", code: 2, err: "ERROR invalid status \"error\", expected one of [maintenance blocked waiting active]\n"},
				{cmd: "status-set bogus a b", code: 2, err: "ERROR invalid status \"bogus\", expected one of [maintenance blocked waiting active]\n"},
				{cmd: "status-set", code: 2, err: "ERROR invalid args, require <status> [message]\n"},
				{cmd: "status-set active two words", code: 2, err: "ERROR unrecognized args: [\"words\"]\n"},
				{call: func(ctx context.Context, c *juju.Client) (any, error) {
					gs, err := c.GoalState(ctx)
					return gs.Units["a/0"], err
				}, out: `{"status":"maintenance"}`},
			}},
		},
	},
	{
		// jujuc/application-version-set.go.
		name: "application-version-set",
		hooks: []hook{{unit: "a/1", steps: []step{
			{call: func(ctx context.Context, c *juju.Client) (any, error) {
				return nil, c.ApplicationVersionSet(ctx, "1.31.2")
			}, out: "null"},
			{cmd: "application-version-set", code: 2, err: "ERROR no version specified\n"},
			{cmd: "application-version-set 1 2", code: 2, err: "ERROR unrecognized args: [\"2\"]\n"},
		}}},
	},
	{
		// jujuc/ports.go: Init lower-cases the argument and parses it
		// with network.ParsePortRange (core/network/portrange.go), whose
		// errors exit 2; Run refuses a range on Kubernetes
		// (context/ports.go, validatePortRangeForCAAS). jujuc/opened-
		// ports.go sorts by protocol, then port (SortPortRanges).
		name: "open-port, close-port and opened-ports",
		hooks: []hook{
			{unit: "a/0", steps: []step{
				{call: func(ctx context.Context, c *juju.Client) (any, error) {
					return nil, c.OpenPort(ctx, juju.Port{Number: 8080, Protocol: "tcp"})
				}, out: "null"},
				{call: func(ctx context.Context, c *juju.Client) (any, error) {
					return nil, c.OpenPort(ctx, juju.Port{Number: 10000, Protocol: "tcp"})
				}, out: "null"},
				{cmd: "open-port 9090/UDP"},
				{cmd: "open-port 7000"},
				{cmd: "open-port icmp"},
				{cmd: "open-port 8000-8000"},
				{cmd: "close-port 7000"},
				{cmd: "opened-ports --format=json", out: `["icmp","8000/tcp","8080/tcp","10000/tcp","9090/udp"]` + "\n"},
				{cmd: "opened-ports --format=json --endpoints", out: `["icmp (*)","8000/tcp (*)","8080/tcp (*)","10000/tcp (*)","9090/udp (*)"]` + "\n"},
				{cmd: "close-port icmp"},
				{call: func(ctx context.Context, c *juju.Client) (any, error) { return c.OpenedPorts(ctx) },
					out: `[{"Number":8000,"Protocol":"tcp"},{"Number":8080,"Protocol":"tcp"},{"Number":10000,"Protocol":"tcp"},{"Number":9090,"Protocol":"udp"}]`},
				{cmd: "open-port 8000-8100/tcp", code: 1, err: "ERROR port ranges are not supported for k8s applications, please specify a single port\n"},
				{cmd: "open-port 2000-1000", code: 2, err: "ERROR invalid port range 2000-1000/tcp\n"},
				{cmd: "open-port 1-2-3", code: 2, err: "ERROR invalid port range \"1-2-3\"\n"},
				{cmd: "open-port 70000", code: 2, err: "ERROR port range bounds must be between 0 and 65535, got 70000-70000\n"},
				{cmd: "open-port abc", code: 2, err: "ERROR invalid port \"abc\": strconv.Atoi: parsing \"abc\": invalid syntax\n"},
				{cmd: "open-port 80/sctp", code: 2, err: "ERROR invalid protocol \"sctp\", expected \"tcp\", \"udp\", or \"icmp\"\n"},
				{cmd: "open-port 80/icmp", code: 2, err: "ERROR protocol \"icmp\" doesn't support any ports; got \"80\"\n"},
				{cmd: "open-port", code: 2, err: "ERROR no port or range specified\n"},
				{cmd: "open-port 80 81", code: 2, err: "ERROR unrecognized args: [\"81\"]\n"},
				{cmd: "open-port abc 81", code: 2, err: "ERROR invalid port \"abc\": strconv.Atoi: parsing \"abc\": invalid syntax\n"},
				{cmd: "close-port 8000-8100", code: 1, err: "ERROR port ranges are not supported for k8s applications, please specify a single port\n"},
			}},
			{unit: "a/0", steps: []step{
				{cmd: "opened-ports --format=json", out: `["8000/tcp","8080/tcp","10000/tcp","9090/udp"]` + "\n"},
				{cmd: "opened-ports --format=json extra", code: 2, err: "ERROR unrecognized args: [\"extra\"]\n"},
			}},
			{unit: "a/1", steps: []step{
				{cmd: "opened-ports --format=json", out: "[]\n"},
			}},
		},
	},
	{
		// jujuc/state-get.go, state-set.go, state-delete.go and
		// context/context.go: the state of a unit that has none is nil
		// (null); a missing key is "" unless --strict ("%q not found");
		// state-delete of nothing, or of a missing key, is a no-op.
		name: "state-get, state-set and state-delete",
		hooks: []hook{
			{unit: "a/0", steps: []step{
				{call: func(ctx context.Context, c *juju.Client) (any, error) {
					v, ok, err := c.StateGet(ctx, "k")
					return []any{v, ok}, err
				}, out: `["",false]`},
				{cmd: "state-get --format=json", out: "null\n"},
				{cmd: "state-get --format=json -", out: "null\n"},
				{call: func(ctx context.Context, c *juju.Client) (any, error) {
					return nil, c.StateSet(ctx, map[string]string{"k": "v", "other": "x"})
				}, out: "null"},
				{call: func(ctx context.Context, c *juju.Client) (any, error) {
					v, ok, err := c.StateGet(ctx, "k")
					return []any{v, ok}, err
				}, out: `["v",true]`},
				{cmd: "state-get --format=json", out: `{"k":"v","other":"x"}` + "\n"},
				{cmd: "state-get --format=json missing", out: `""` + "\n"},
				{cmd: "state-get --format=json --strict missing", code: 1, err: "ERROR \"missing\" not found\n"},
				{cmd: "state-get --format=json a b", code: 2, err: "ERROR unrecognized args: [\"b\"]\n"},
				{cmd: "state-set dup=1 dup=2", code: 2, err: "ERROR key \"dup\" specified more than once\n"},
				{cmd: "state-set --file - k2=arg", stdin: "k2: file\nk3: three\n"},
				{cmd: "state-delete"},
				{cmd: "state-delete missing"},
				{cmd: "state-delete a b", code: 2, err: "ERROR unrecognized args: [\"b\"]\n"},
			}},
			{unit: "a/0", steps: []step{
				{cmd: "state-delete other"},
				{cmd: "state-get --format=json", out: `{"k":"v","k2":"arg","k3":"three"}` + "\n"},
			}},
			{unit: "a/0", steps: []step{
				{cmd: "state-get --format=json", out: `{"k":"v","k2":"arg","k3":"three"}` + "\n"},
			}},
			{unit: "a/1", steps: []step{
				{cmd: "state-get --format=json", out: "null\n"},
			}},
		},
	},
	{
		// jujuc/action-get.go, action-set.go, action-fail.go: Init checks
		// the arguments before Run needs an action ("not running an
		// action", context/context.go); action-set checks each dotted
		// part of a key against charm.GetActionNameRule and the reserved
		// keys, and takes no arguments at all.
		name: "actions",
		hooks: []hook{
			{unit: "a/1", action: map[string]any{"name": "x", "count": 3},
				want: &outcome{Committed: true, Status: "failed", Message: "boom", Results: map[string]string{"result": "ok", "res.x": "1"}},
				steps: []step{
					{call: func(ctx context.Context, c *juju.Client) (any, error) { return c.ActionGet(ctx) }, out: `{"count":3,"name":"x"}`},
					{cmd: "action-get --format=json name", out: `"x"` + "\n"},
					{cmd: "action-get --format=json nope", out: "null\n"},
					{cmd: "action-get --format=json name.deeper", out: "null\n"},
					{cmd: "action-get --format=json a b", code: 2, err: "ERROR unrecognized args: [\"b\"]\n"},
					{cmd: "action-set"},
					{cmd: "action-set Foo=1", code: 2, err: "ERROR key \"Foo\" must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric and hyphens\n"},
					{cmd: "action-set res.Bad=1", code: 2, err: "ERROR key \"Bad\" must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric and hyphens\n"},
					{cmd: "action-set stdout=x", code: 2, err: "ERROR cannot set reserved action key \"stdout\"\n"},
					{cmd: "action-set res.stderr-encoding=x", code: 2, err: "ERROR cannot set reserved action key \"stderr-encoding\"\n"},
					{cmd: "action-set x", code: 2, err: "ERROR argument \"x\" must be of the form key...=value\n"},
					{call: func(ctx context.Context, c *juju.Client) (any, error) {
						return nil, c.ActionSet(ctx, map[string]string{"result": "ok", "res.x": "1"})
					}, out: "null"},
					{cmd: "action-fail a b", code: 2, err: "ERROR unrecognized args: [\"b\"]\n"},
					{call: func(ctx context.Context, c *juju.Client) (any, error) { return nil, c.ActionLog(ctx, "-half way") }, out: "null"},
					{cmd: "action-log", code: 2, err: "ERROR no message specified\n"},
					{call: func(ctx context.Context, c *juju.Client) (any, error) { return nil, c.ActionFail(ctx, "boom") }, out: "null"},
				}},
			{unit: "a/0", steps: []step{
				{call: func(ctx context.Context, c *juju.Client) (any, error) { return c.ActionGet(ctx) },
					code: 1, err: "action-get failed (exit 1): not running an action"},
				{cmd: "action-set k=v", code: 1, err: "ERROR not running an action\n"},
				{cmd: "action-set Foo=1", code: 2, err: "ERROR key \"Foo\" must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric and hyphens\n"},
				{cmd: "action-set"},
				{cmd: "action-fail", code: 1, err: "ERROR not running an action\n"},
				// jujuc/action-log.go: Init needs a message, Run an action.
				{cmd: "action-log hi", code: 1, err: "ERROR not running an action\n"},
				{cmd: "action-log", code: 2, err: "ERROR no message specified\n"},
			}},
			{unit: "a/0", action: map[string]any{},
				want: &outcome{Committed: true, Status: "failed", Message: "action failed without reason given, check action for errors", Results: map[string]string{}},
				steps: []step{
					{call: func(ctx context.Context, c *juju.Client) (any, error) { return c.ActionGet(ctx) }, out: `{}`},
					{cmd: "action-fail"},
				}},
		},
	},
	{
		// jujuc/leader-get.go and leader-set.go, context/leader.go: the
		// settings go to the controller at once (accessor.Merge), not
		// with the hook, so a failed hook keeps them; an empty value
		// deletes a key; a minion's leader-set fails with the annotations
		// of both; leader-set takes no --file.
		name: "leader-get and leader-set",
		hooks: []hook{
			{unit: "a/0", fail: true, steps: []step{
				{cmd: "leader-get --format=json", out: "{}\n"},
				{cmd: "leader-set k=v gone=x"},
				{cmd: "leader-set gone="},
				{cmd: "leader-get --format=json k", out: `"v"` + "\n"},
				{cmd: "leader-get --format=json -", out: `{"k":"v"}` + "\n"},
				{cmd: "leader-get --format=json gone", out: "null\n"},
				{cmd: "leader-get a=b", code: 2, err: "ERROR invalid key \"a=b\"\n"},
				{cmd: "leader-get a b", code: 2, err: "ERROR unrecognized args: [\"b\"]\n"},
				{cmd: "leader-set dup=1 dup=2", code: 2, err: "ERROR key \"dup\" specified more than once\n"},
				{cmd: "leader-set --file -", stdin: "k: w\n", code: 2, err: "ERROR option provided but not defined: --file\n"},
			}},
			{unit: "a/0", steps: []step{
				{cmd: "leader-get --format=json", out: `{"k":"v"}` + "\n"},
			}},
			{unit: "a/1", steps: []step{
				{cmd: "leader-set k=w", code: 1, err: "ERROR cannot write leadership settings: cannot write settings: not the leader\n"},
			}},
		},
	},
	{
		// jujuc/network-get.go: one selected key prints its value, more
		// print a map, none the whole binding; a binding the unit does not
		// have has no network config.
		name: "network-get",
		hooks: []hook{{unit: "a/0", steps: []step{
			{call: func(ctx context.Context, c *juju.Client) (any, error) { return c.BindAddress(ctx, "peer") }, out: `"{ip:a/0}"`},
			{cmd: "network-get backend --bind-address --format=json", out: `"{ip:a/0}"` + "\n"},
			{cmd: "network-get backend --ingress-address --format=json", out: `"{ip:a/0}"` + "\n"},
			{cmd: "network-get backend --egress-subnets --format=json", out: `["{ip:a/0}/32"]` + "\n"},
			{cmd: "network-get juju-info --bind-address --ingress-address --format=json", out: `{"bind-address":"{ip:a/0}","ingress-address":"{ip:a/0}"}` + "\n"},
			{cmd: "network-get backend --format=json", out: `{"bind-addresses":[{"mac-address":"","interface-name":"","addresses":[{"hostname":"","value":"{ip:a/0}","cidr":""}]}],"egress-subnets":["{ip:a/0}/32"],"ingress-addresses":["{ip:a/0}"]}` + "\n"},
			{cmd: "network-get nope --format=json", code: 1, err: "ERROR no network config found for binding \"nope\"\n"},
			{cmd: "network-get --format=json", code: 2, err: "ERROR no arguments specified\n"},
			{argv: []string{"network-get", "", "--format=json"}, code: 2, err: "ERROR no binding name specified\n"},
			// --primary-address (deprecated) is the first address, and must
			// come alone.
			{cmd: "network-get backend --primary-address --format=json", out: `"{ip:a/0}"` + "\n"},
			{cmd: "network-get backend --primary-address --bind-address --format=json", code: 1, err: "ERROR --primary-address must be the only flag specified\n"},
			{cmd: "network-get backend extra --format=json", code: 2, err: "ERROR unrecognized args: [\"extra\"]\n"},
		}}},
	},
	{
		// jujuc/goal-state.go and the controller's goal state
		// (apiserver/facades/agent/uniter/uniter.go, goalStateUnits and
		// goalStateRelations): every unit of the application with its
		// workload status, and per endpoint of each non-peer relation the
		// remote application ("joined") and its units; "since" in
		// common.FormatTime's ISO form (cmd/juju/common/format.go).
		name: "goal-state",
		// a/1 never set a status: "unknown" (the uniter sets it so after
		// the start hook, internal/worker/uniter/operation/runhook.go).
		hooks: []hook{{unit: "a/1", steps: []step{
			{call: func(ctx context.Context, c *juju.Client) (any, error) { return c.GoalState(ctx) },
				out: `{"units":{"a/0":{"status":"active"},"a/1":{"status":"unknown"}},"relations":{"backend":{"b":{"status":"joined"},"b/0":{"status":"active"}}}}`},
			{cmd: "goal-state --format=json", out: `{"units":{"a/0":{"status":"active","since":"{since}"},"a/1":{"status":"unknown","since":"{since}"}},"relations":{"backend":{"b":{"status":"joined","since":"{since}"},"b/0":{"status":"active","since":"{since}"}}}}` + "\n"},
			{cmd: "goal-state --format=json extra", code: 2, err: "ERROR unrecognized args: [\"extra\"]\n"},
		}}},
	},
	{
		// jujuc/juju-log.go.
		name: "juju-log",
		hooks: []hook{{unit: "a/0", steps: []step{
			{call: func(ctx context.Context, c *juju.Client) (any, error) {
				return nil, c.Log(ctx, juju.LogWarning, "-careful")
			}, out: "null"},
			{cmd: "juju-log", code: 2, err: "ERROR no message specified\n"},
		}}},
	},
}
