package conformance_test

import (
	"context"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
)

// relationScenarios are the relation hook tools' scenarios, kept apart
// from scenarios for length; the suite runs all. Paths are as in
// scenarios_test.go.
var relationScenarios = []scenario{
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
}
