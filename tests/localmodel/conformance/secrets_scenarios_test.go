package conformance_test

import (
	"context"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
)

// secretScenarios are the secret hook tools' scenarios, kept apart from
// scenarios for length; the suite runs both. Paths are as in
// scenarios_test.go.
var secretScenarios = []scenario{
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
}
