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
		// jujuc/relation-ids.go, jujuc/relation-list.go and the -r flag
		// (jujuc/context.go, relationIdValue.Set: the digits after the
		// last ":", "invalid relation id" or the context's "relation not
		// found").
		name: "relation-ids and relation-list",
		hooks: []hook{{unit: "a/0", steps: []step{
			{call: func(ctx context.Context, c *juju.Client) (any, error) { return c.RelationIDs(ctx, "backend") }, out: `["backend:2"]`},
			{call: func(ctx context.Context, c *juju.Client) (any, error) { return c.RelationIDs(ctx, "peer") }, out: `["peer:0"]`},
			{call: func(ctx context.Context, c *juju.Client) (any, error) { return c.RelationIDs(ctx, "api") }, out: `[]`},
			{cmd: "relation-ids --format=json", code: 2, err: "ERROR no endpoint name specified\n"},
			{cmd: "relation-ids --format=json backend peer", code: 2, err: "ERROR unrecognized args: [\"peer\"]\n"},
			{call: func(ctx context.Context, c *juju.Client) (any, error) { return c.RelationList(ctx, "backend:2") }, out: `["b/0"]`},
			{call: func(ctx context.Context, c *juju.Client) (any, error) { return c.RelationApp(ctx, "backend:2") }, out: `"b"`},
			{call: func(ctx context.Context, c *juju.Client) (any, error) { return c.RelationList(ctx, "peer:0") }, out: `["a/1"]`},
			{cmd: "relation-list --format=json -r 2", out: `["b/0"]` + "\n"},
			{cmd: "relation-list --format=json -r peer:0 --app", out: `"a"` + "\n"},
			{cmd: "relation-list --format=json -r 9", code: 2, err: "ERROR invalid value \"9\" for option -r: relation not found\n"},
			{cmd: "relation-list --format=json -r nope", code: 2, err: "ERROR invalid value \"nope\" for option -r: invalid relation id\n"},
			{cmd: "relation-list --format=json", code: 2, err: "ERROR no relation id specified\n"},
			{cmd: "relation-list --format=json -r 2 extra", code: 2, err: "ERROR unrecognized args: [\"extra\"]\n"},
		}}},
	},
	{
		// jujuc/relation-get.go: Init checks -r, then the key ("-" is
		// all), then the unit or application name (names.IsValidUnit and
		// IsValidApplication, github.com/juju/names/v5), then extra
		// arguments. Run reads the unit's own bags locally, everything
		// else from the controller: a non-leader reading its own
		// application's bag is refused (permission denied) except on a
		// peer relation; a unit outside the relation too. A missing key
		// is null.
		name: "relation-get",
		hooks: []hook{
			{unit: "a/0", steps: []step{
				{call: func(ctx context.Context, c *juju.Client) (any, error) {
					return c.RelationGet(ctx, "backend:2", "b", true)
				}, out: `{"endpoint":"b.example:7233"}`},
				{call: func(ctx context.Context, c *juju.Client) (any, error) {
					return c.RelationGet(ctx, "backend:2", "b/0", false)
				}, out: `{"egress-subnets":"{ip:b/0}/32","host":"b-0.example","ingress-address":"{ip:b/0}","private-address":"{ip:b/0}"}`},
				{call: func(ctx context.Context, c *juju.Client) (any, error) {
					return c.RelationGet(ctx, "backend:2", "a/0", false)
				}, out: `{"egress-subnets":"{ip:a/0}/32","ingress-address":"{ip:a/0}","private-address":"{ip:a/0}"}`},
				{call: func(ctx context.Context, c *juju.Client) (any, error) {
					return c.RelationGet(ctx, "peer:0", "a/1", false)
				}, out: `{"egress-subnets":"{ip:a/1}/32","ingress-address":"{ip:a/1}","member":"a-1","private-address":"{ip:a/1}"}`},
				{cmd: "relation-get -r 2 --format=json host b/0", out: `"b-0.example"` + "\n"},
				{cmd: "relation-get -r 2 --format=json missing b/0", out: "null\n"},
				// --app with a unit name reads that unit's application.
				{cmd: "relation-get -r backend:2 --app --format=json - b/0", out: `{"endpoint":"b.example:7233"}` + "\n"},
				{cmd: "relation-get -r 2 --app --format=json - a", out: "{}\n"},
				{cmd: "relation-get -r 2 --format=json - b", code: 2, err: "ERROR expected unit name, got application name \"b\"\n"},
				{cmd: "relation-get -r 2 --format=json - B/x", code: 2, err: "ERROR invalid unit name \"B/x\"\n"},
				{cmd: "relation-get -r 2 --format=json - b/01", code: 2, err: "ERROR invalid unit name \"b/01\"\n"},
				{cmd: "relation-get -r 2 --format=json", code: 2, err: "ERROR no unit or application specified\n"},
				{cmd: "relation-get -r 2 --format=json -", code: 2, err: "ERROR no unit or application specified\n"},
				{cmd: "relation-get --format=json - b/0", code: 2, err: "ERROR no relation id specified\n"},
				{cmd: "relation-get -r 2 --format=json host b/0 extra", code: 2, err: "ERROR unrecognized args: [\"extra\"]\n"},
				{cmd: "relation-get -r 2 --format=json - c/0", code: 1, err: "ERROR permission denied\n"},
			}},
			{unit: "a/1", steps: []step{
				{cmd: "relation-get -r 2 --app --format=json - a", code: 1, err: "ERROR permission denied\n"},
				{call: func(ctx context.Context, c *juju.Client) (any, error) {
					return c.RelationGet(ctx, "backend:2", "a", true)
				}, code: 1, err: "relation-get failed (exit 1): permission denied"},
				{call: func(ctx context.Context, c *juju.Client) (any, error) {
					return c.RelationGet(ctx, "peer:0", "a", true)
				}, out: `{"cluster":"c1"}`},
			}},
		},
	},
	{
		// jujuc/relation-set.go: key=value arguments are parsed by
		// github.com/juju/utils/v3/keyvalues.Parse (trimmed, empty ones
		// skipped, a key once); --file - is a YAML map on stdin that
		// they override; an empty value deletes a key; --app needs the
		// leader, on peer relations too ("cannot write relation
		// settings"). Writes are seen by the hook at once.
		name: "relation-set",
		hooks: []hook{
			{unit: "a/0", steps: []step{
				{call: func(ctx context.Context, c *juju.Client) (any, error) {
					return nil, c.RelationSet(ctx, "backend:2", false, map[string]string{"k": "v", "other": "x"})
				}, out: "null"},
				{call: func(ctx context.Context, c *juju.Client) (any, error) {
					return c.RelationGet(ctx, "backend:2", "a/0", false)
				}, out: `{"egress-subnets":"{ip:a/0}/32","ingress-address":"{ip:a/0}","k":"v","other":"x","private-address":"{ip:a/0}"}`},
				{call: func(ctx context.Context, c *juju.Client) (any, error) {
					return nil, c.RelationSet(ctx, "backend:2", false, map[string]string{"other": ""})
				}, out: "null"},
				{call: func(ctx context.Context, c *juju.Client) (any, error) {
					return nil, c.RelationSet(ctx, "backend:2", true, map[string]string{"app-k": "x"})
				}, out: "null"},
				{call: func(ctx context.Context, c *juju.Client) (any, error) {
					return c.RelationGet(ctx, "backend:2", "a", true)
				}, out: `{"app-k":"x"}`},
				{cmd: "relation-set -r 2 dup=v dup=w", code: 2, err: "ERROR key \"dup\" specified more than once\n"},
				{cmd: "relation-set -r 2 nokey", code: 2, err: "ERROR expected \"key=value\", got \"nokey\"\n"},
				{cmd: "relation-set -r 2 =v", code: 2, err: "ERROR expected \"key=value\", got \"=v\"\n"},
				{cmd: "relation-set k=v", code: 2, err: "ERROR no relation id specified\n"},
				{argv: []string{"relation-set", "-r", "2", " spaced = v ", ""}},
				{cmd: "relation-set -r 2 --file -", stdin: "num: 1\nflag: true\nk: from-file\n"},
				{cmd: "relation-set -r 2 --file - k=from-arg", stdin: "k: from-file\n"},
				{cmd: "relation-get -r 2 --format=json - a/0", out: `{"egress-subnets":"{ip:a/0}/32","flag":"true","ingress-address":"{ip:a/0}","k":"from-arg","num":"1","private-address":"{ip:a/0}","spaced":"v"}` + "\n"},
			}},
			{unit: "a/0", steps: []step{
				// Committed.
				{cmd: "relation-get -r 2 --format=json k a/0", out: `"from-arg"` + "\n"},
				{cmd: "relation-get -r 2 --app --format=json - a", out: `{"app-k":"x"}` + "\n"},
			}},
			{unit: "a/1", steps: []step{
				{call: func(ctx context.Context, c *juju.Client) (any, error) {
					return nil, c.RelationSet(ctx, "backend:2", true, map[string]string{"x": "y"})
				}, code: 1, err: "relation-set failed (exit 1): cannot write relation settings"},
				{call: func(ctx context.Context, c *juju.Client) (any, error) {
					return nil, c.RelationSet(ctx, "peer:0", true, map[string]string{"x": "y"})
				}, code: 1, err: "relation-set failed (exit 1): cannot write relation settings"},
				{cmd: "relation-set -r 0 --app x=y", code: 1, err: "ERROR cannot write relation settings\n"},
			}},
		},
	},
	{
		// A hook's relation data, unit state and ports are staged and
		// flushed only when it succeeds (context/context.go, Flush; a
		// failed hook's changes are dropped).
		name: "staged writes commit with the hook",
		hooks: []hook{
			{unit: "a/0", fail: true, steps: []step{
				{cmd: "relation-set -r 2 lost=1"},
				{cmd: "state-set lost=1"},
				{cmd: "open-port 9999"},
				{cmd: "relation-get -r 2 --format=json lost a/0", out: `"1"` + "\n"},
			}},
			{unit: "a/0", steps: []step{
				{cmd: "relation-get -r 2 --format=json lost a/0", out: "null\n"},
				{cmd: "state-get --format=json lost", out: `""` + "\n"},
				{cmd: "opened-ports --format=json", out: "[]\n"},
				{cmd: "relation-set -r 2 kept=1"},
			}},
			{unit: "a/0", steps: []step{
				{cmd: "relation-get -r 2 --format=json kept a/0", out: `"1"` + "\n"},
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
		// jujuc/secret-get.go: Init parses the URI (core/secrets.ParseURI:
		// secret:<xid>, secret://<model>/<xid> or a bare xid; else
		// "secret URI %q not valid"), then needs a URI or a label, then
		// refuses --peek with --refresh, then takes one key. A consumer
		// reads the revision it tracks, the latest at its first read,
		// until --refresh; --peek reads the latest once
		// (apiserver/facades/agent/secretsmanager/secrets.go,
		// getConsumedRevision). A missing secret is the controller's
		// "secret %q not found" with the URI as given (state/secrets.go,
		// checkExists); one not granted is "permission denied"; a missing
		// key is core/secrets' KeyValue error.
		name: "secret-get",
		hooks: []hook{
			{unit: "a/0", steps: []step{
				{call: func(ctx context.Context, c *juju.Client) (any, error) {
					return c.SecretGet(ctx, "{granted}", false)
				}, out: `{"password":"one"}`},
			}},
			{publish: map[string]string{"password": "two"}},
			{unit: "a/0", steps: []step{
				{cmd: "secret-get {granted} --format=json --peek", out: `{"password":"two"}` + "\n"},
				{cmd: "secret-get {granted} --format=json password", out: `"one"` + "\n"},
				{cmd: "secret-get {granted-id} --format=json --refresh password", out: `"two"` + "\n"},
				{cmd: "secret-get secret:{granted-id} --format=json password", out: `"two"` + "\n"},
				{cmd: "secret-get secret:{missing} --format=json", code: 1, err: "ERROR secret \"secret:{missing}\" not found\n"},
				{cmd: "secret-get {missing} --format=json", code: 1, err: "ERROR secret \"secret:{missing}\" not found\n"},
				{cmd: "secret-get secret://{uuid}/{missing} --format=json", code: 1, err: "ERROR secret \"secret://{uuid}/{missing}\" not found\n"},
				{cmd: "secret-get not-a-uri --format=json", code: 2, err: "ERROR secret URI \"not-a-uri\" not valid\n"},
				// The last character of an xid carries no padding bits
				// (github.com/rs/xid, decode).
				{cmd: "secret-get secret:aaaaaaaaaaaaaaaaaaaa --format=json", code: 2, err: "ERROR secret URI \"secret:aaaaaaaaaaaaaaaaaaaa\" not valid\n"},
				{cmd: "secret-get --format=json", code: 2, err: "ERROR require either a secret URI or label\n"},
				{cmd: "secret-get --format=json --peek --refresh", code: 2, err: "ERROR require either a secret URI or label\n"},
				{cmd: "secret-get {granted} --format=json --peek --refresh", code: 2, err: "ERROR specify one of --peek or --refresh but not both\n"},
				// With a label, the first argument is still the URI.
				{cmd: "secret-get --label db --format=json password", code: 2, err: "ERROR secret URI \"password\" not valid\n"},
				{cmd: "secret-get {granted} --format=json password extra", code: 2, err: "ERROR unrecognized args: [\"extra\"]\n"},
				{cmd: "secret-get {granted} --format=json nokey", code: 1, err: "ERROR secret key value \"nokey\" not found\n"},
				{call: func(ctx context.Context, c *juju.Client) (any, error) {
					return c.SecretGet(ctx, "{hidden}", false)
				}, code: 1, err: "secret-get failed (exit 1): permission denied"},
			}},
			{unit: "a/0", steps: []step{
				// --refresh moved the tracked revision.
				{call: func(ctx context.Context, c *juju.Client) (any, error) {
					return c.SecretGet(ctx, "{granted}", false)
				}, out: `{"password":"two"}`},
			}},
			{unit: "a/1", steps: []step{
				// A first read tracks the latest revision.
				{call: func(ctx context.Context, c *juju.Client) (any, error) {
					return c.SecretGet(ctx, "{granted}", false)
				}, out: `{"password":"two"}`},
			}},
		},
	},
	{
		// jujuc/secret-add.go and context/context.go (CreateSecret): an
		// application-owned secret (the default) needs the leader; the
		// content arguments are core/secrets.CreateSecretData's (a
		// trailing "=" is base64 padding, keys match keyRegExp); the URI
		// is secret://<model>/<xid> (CreateSecretURIs); a secret created
		// in the hook can be read in it (getPendingSecretValue).
		name: "secret-add",
		hooks: []hook{
			{unit: "a/1", steps: []step{
				{call: func(ctx context.Context, c *juju.Client) (any, error) {
					return c.SecretAdd(ctx, map[string]string{"token": "abc"}, juju.SecretOptions{})
				}, code: 1, err: "secret-add failed (exit 1): this unit is not the leader"},
				{call: func(ctx context.Context, c *juju.Client) (any, error) {
					return c.SecretAdd(ctx, map[string]string{"token": "abc"}, juju.SecretOptions{Owner: "unit", Label: "mine"})
				}, outRE: `"secret://{uuid}/[0-9a-v]{19}[0g]"`, save: "unit-secret"},
				{cmd: "secret-get {unit-secret} --format=json", out: `{"token":"abc"}` + "\n"},
			}},
			{unit: "a/0", steps: []step{
				{cmd: "secret-add", code: 2, err: "ERROR missing secret value or filename\n"},
				{cmd: "secret-add pass=", code: 2, err: "ERROR key value \"pass=\" not valid\n"},
				{cmd: "secret-add Bad=x", code: 2, err: "ERROR key \"Bad\" not valid\n"},
				{cmd: "secret-add --owner foo key=v", code: 2, err: "ERROR secret owner \"foo\" not valid\n"},
				{cmd: "secret-add --rotate sometimes key=v", code: 2, err: "ERROR rotate policy \"sometimes\" not valid\n"},
				// Init reads the expiry as an RFC 3339 time, with or without
				// a zone, else as a positive duration.
				{cmd: "secret-add --expire 2026-01-01 key=v", code: 2, err: "ERROR expire time or duration \"2026-01-01\" not valid\n"},
				{cmd: "secret-add --expire -1h key=v", code: 2, err: "ERROR negative expire duration \"-1h\" not valid\n"},
				// --file is a path (ReadSecretData: os.ReadFile), not stdin.
				{cmd: "secret-add --file - key=v", stdin: "key: x\n", code: 2, err: "ERROR open -: no such file or directory\n"},
				// The file's keys win over the arguments.
				{cmd: "secret-add key=from-arg other=arg --file {yaml-file}", outRE: "secret://{uuid}/[0-9a-v]{19}[0g]\n", save: "from-file"},
				{cmd: "secret-get {from-file} --format=json", out: `{"key":"from-file","other":"arg"}` + "\n"},
				// An empty value is content; no content at all is refused
				// at Run.
				{cmd: "secret-add --file {empty-value-file}", outRE: "secret://{uuid}/[0-9a-v]{19}[0g]\n", save: "empty-value"},
				{cmd: "secret-get {empty-value} --format=json", out: `{"key":""}` + "\n"},
				{cmd: "secret-add --file {empty-file}", code: 1, err: "ERROR empty secret value not valid\n"},
				{cmd: "secret-add key=a=b=", outRE: "secret://{uuid}/[0-9a-v]{19}[0g]\n", save: "padded"},
				{cmd: "secret-get {padded} --format=json", out: `{"key":"a=b="}` + "\n"},
				{call: func(ctx context.Context, c *juju.Client) (any, error) {
					return c.SecretAdd(ctx, map[string]string{"password": "p1"}, juju.SecretOptions{Label: "pw"})
				}, outRE: `"secret://{uuid}/[0-9a-v]{19}[0g]"`, save: "new"},
				{call: func(ctx context.Context, c *juju.Client) (any, error) {
					return c.SecretGet(ctx, "{new}", false)
				}, out: `{"password":"p1"}`},
				// The owner's label finds a secret created in the hook
				// (getPendingSecretValue); an unknown label is the
				// controller's "consumer label %q not found"
				// (apiserver/facades/agent/secretsmanager/secrets.go,
				// getSecretContent).
				{cmd: "secret-get --label pw --format=json", out: `{"password":"p1"}` + "\n"},
				{cmd: "secret-get --label nope --format=json", code: 1, err: "ERROR consumer label \"nope\" not found\n"},
			}},
			{unit: "a/0", steps: []step{
				{cmd: "secret-get {new} --format=json password", out: `"p1"` + "\n"},
			}},
		},
	},
	{
		// jujuc/secret-set.go and context/context.go (UpdateSecret): the
		// leader check runs only for an application-owned secret whose
		// metadata the unit has, which only a leader gets
		// (apiserver/common/secrets/secrets.go, getSecretMetadata); any
		// other update is staged as given and the controller refuses it
		// when the hook commits (apiserver/common/secrets/access.go,
		// CanManage), so the hook fails. A pending update is read back
		// only with --peek or --refresh (getPendingSecretValue).
		name: "secret-set",
		hooks: []hook{
			{unit: "a/1", want: &outcome{}, steps: []step{
				{call: func(ctx context.Context, c *juju.Client) (any, error) {
					return nil, c.SecretSet(ctx, "{own}", map[string]string{"key": "by-minion"})
				}, out: "null"},
				{cmd: "relation-set -r 2 lost=1"},
			}},
			{unit: "a/0", want: &outcome{}, steps: []step{
				{cmd: "secret-set {granted} password=stolen"},
			}},
			{unit: "a/1", steps: []step{
				// The failed commit kept nothing of the hook.
				{cmd: "relation-get -r 2 --format=json lost a/1", out: "null\n"},
			}},
			{unit: "a/0", steps: []step{
				{cmd: "secret-set", code: 2, err: "ERROR missing secret URI\n"},
				{cmd: "secret-set nope key=v", code: 2, err: "ERROR secret URI \"nope\" not valid\n"},
				{cmd: "secret-set {own} pass=", code: 2, err: "ERROR key value \"pass=\" not valid\n"},
				// --owner is secret-add's; secret-set takes it and ignores it.
				{cmd: "secret-set {own} --owner unit key=v3"},
				{call: func(ctx context.Context, c *juju.Client) (any, error) {
					return nil, c.SecretSet(ctx, "{own}", map[string]string{"key": "v2"})
				}, out: "null"},
				{cmd: "secret-get {own} --format=json", out: `{"key":"app-owned"}` + "\n"},
				{cmd: "secret-get {own} --format=json --peek", out: `{"key":"v2"}` + "\n"},
			}},
			{unit: "a/0", steps: []step{
				{cmd: "secret-get {own} --format=json", out: `{"key":"v2"}` + "\n"},
			}},
		},
	},
	{
		// jujuc/secret-grant.go (Init: URI, -r, --unit of the remote
		// application) and context/context.go (GrantSecret: the secret
		// must be in the unit's metadata, else "secret %q not found" with
		// its id).
		name: "secret-grant",
		hooks: []hook{
			{unit: "a/0", steps: []step{
				{call: func(ctx context.Context, c *juju.Client) (any, error) {
					return nil, c.SecretGrant(ctx, "{own}", "backend:2")
				}, out: "null"},
				{cmd: "secret-grant {own} -r 2 --unit b/0"},
				{cmd: "secret-grant {own}", code: 2, err: "ERROR no relation id specified\n"},
				{cmd: "secret-grant", code: 2, err: "ERROR missing secret URI\n"},
				{cmd: "secret-grant {own} -r 2 --unit c/0", code: 2, err: "ERROR cannot specify unit \"c/0\" in relation to application \"b\"\n"},
				{cmd: "secret-grant {granted} -r 2", code: 1, err: "ERROR secret \"{granted-id}\" not found\n"},
			}},
			{unit: "a/1", steps: []step{
				{cmd: "secret-grant {own} -r 2", code: 1, err: "ERROR secret \"{own-id}\" not found\n"},
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
