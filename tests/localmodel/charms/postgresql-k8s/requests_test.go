package postgresql

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/internal/juju/jujutest"
	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/internal/workload"
)

const (
	testUnit  = "postgresql-k8s/0"
	testApp   = "postgresql-k8s"
	testModel = "lm"
)

func TestRelationChangedAnswersOnlyItsRequest(t *testing.T) {
	h := newHarness(t, rel(4, "temporal-k8s", temporalRequest("temporal-k8s_db")), rel(5, "temporal-k8s", temporalRequest("temporal-k8s_visibility")))
	h.mustHook(juju.RelationChanged, "database:4", "temporal-k8s")

	scripts := h.db.takeScripts()
	require.Len(t, scripts, 1)
	// Track 14: admin is IN ROLE admin with CREATEDB, never a superuser.
	require.Contains(t, scripts[0], `ALTER ROLE "relation_id_4" WITH LOGIN NOSUPERUSER CREATEDB NOCREATEROLE PASSWORD`)
	require.Contains(t, scripts[0], `GRANT admin TO "relation_id_4";`)
	require.NotContains(t, scripts[0], "relation_id_5")
	require.True(t, strings.HasPrefix(scripts[0], "SHOW server_version;\n"))

	own := h.relation("database:4").LocalAppData
	require.Equal(t, "postgresql-k8s-primary.lm.svc.cluster.local:5432", own["endpoints"])
	require.Equal(t, "postgresql-k8s-primary.lm.svc.cluster.local:5432", own["read-only-endpoints"])
	require.Equal(t, "15.14", own["version"])
	require.Equal(t, "temporal-k8s_db", own["database"])
	require.Equal(t, RequestSnapshot(temporalRequest("temporal-k8s_db")), own[requestKey])
	user := h.secrets[own["secret-user"]]
	require.Equal(t, "relation_id_4", user["username"])
	require.Regexp(t, `^[A-Za-z0-9]{16}$`, user["password"])
	require.Contains(t, scripts[0], fmt.Sprintf("PASSWORD '%s'", user["password"]))
	require.Equal(t, "postgresql://relation_id_4:"+user["password"]+"@postgresql-k8s-primary.lm.svc.cluster.local:5432/temporal-k8s_db", user["uris"])
	require.Equal(t, map[string]string{"tls": "False"}, h.secrets[own["secret-tls"]])
	require.Equal(t, []string{"database:4"}, h.grants[own["secret-user"]])
	require.Equal(t, []string{"database:4"}, h.grants[own["secret-tls"]])
	require.Empty(t, own["password"], "credentials travel in the secret only")

	require.Empty(t, h.relation("database:5").LocalAppData, "relation 5's request waits for its own relation-changed")

	h.mustHook(juju.RelationChanged, "database:5", "temporal-k8s")
	scripts = h.db.takeScripts()
	require.Len(t, scripts, 1)
	require.Contains(t, scripts[0], `"relation_id_5"`)
	require.NotContains(t, scripts[0], "relation_id_4")
	require.Equal(t, "temporal-k8s_visibility", h.relation("database:5").LocalAppData["database"])
}

func TestAnsweredRequestCostsNoSQL(t *testing.T) {
	h := newHarness(t, rel(4, "temporal-k8s", temporalRequest("temporal-k8s_db")), rel(5, "temporal-k8s-history", temporalRequest("temporal-k8s_db")))
	h.mustHook(juju.RelationChanged, "database:4", "temporal-k8s")
	h.mustHook(juju.RelationChanged, "database:5", "temporal-k8s-history")
	h.db.takeScripts()
	before := h.m.State()

	// Hooks that carry no request read the deferred list and nothing else.
	for _, kind := range []juju.Kind{juju.RelationCreated, juju.RelationJoined, juju.RelationDeparted} {
		require.Equal(t, []string{"state-get"}, h.mustHook(kind, "database:4", "temporal-k8s"), kind)
	}
	// relation-changed reads its own relation only, and finds it answered.
	calls := h.mustHook(juju.RelationChanged, "database:4", "temporal-k8s")
	require.Equal(t, []string{"state-get", "is-leader", "relation-get", "relation-get"}, calls)
	for _, c := range h.m.Calls() {
		if c.Name == "relation-get" {
			require.Contains(t, c.Args, "database:4")
		}
	}
	require.Empty(t, h.db.takeScripts())
	require.Equal(t, before, h.m.State())
}

func TestRequestDeferredUntilTheServerTakesIt(t *testing.T) {
	h := newHarness(t,
		rel(4, "temporal-k8s", temporalRequest("temporal-k8s_db")),
		rel(5, "temporal-k8s", temporalRequest("temporal-k8s_visibility")),
		rel(7, "temporal-k8s-history", temporalRequest("temporal-k8s_db")))
	h.db.notReady = true
	h.mustHook(juju.RelationChanged, "database:4", "temporal-k8s")
	h.db.unavailable = true
	h.mustHook(juju.RelationChanged, "database:5", "temporal-k8s")
	require.Equal(t, map[string]string{"database:4": "temporal-k8s", "database:5": "temporal-k8s"}, h.unitState().Deferred)
	require.Empty(t, h.relation("database:4").LocalAppData)
	require.Empty(t, h.relation("database:5").LocalAppData)

	// The next hook, whatever it is, tries both again in one psql run;
	// relation 7, whose relation-changed has not run, waits for it.
	h.db.notReady, h.db.unavailable = false, false
	h.mustHook(juju.RelationJoined, "database:7", "temporal-k8s-history")
	scripts := h.db.takeScripts()
	require.Len(t, scripts, 1)
	require.Equal(t, 1, strings.Count(scripts[0], "SHOW server_version;"))
	require.Contains(t, scripts[0], `"relation_id_4"`)
	require.Contains(t, scripts[0], `"relation_id_5"`)
	require.NotContains(t, scripts[0], "relation_id_7")
	require.Equal(t, "temporal-k8s_db", h.relation("database:4").LocalAppData["database"])
	require.Equal(t, "temporal-k8s_visibility", h.relation("database:5").LocalAppData["database"])
	require.Empty(t, h.relation("database:7").LocalAppData)
	require.Empty(t, h.unitState().Deferred)
}

func TestInvalidRolesBlockUntilTheRequestChanges(t *testing.T) {
	bad := temporalRequest("temporal-k8s_db")
	bad["extra-user-roles"] = "admin,bogus"
	h := newHarness(t, rel(4, "temporal-k8s", bad), rel(5, "temporal-k8s", temporalRequest("temporal-k8s_visibility")))
	h.mustHook(juju.RelationChanged, "database:4", "temporal-k8s")
	require.Empty(t, h.db.takeScripts())
	require.Equal(t, juju.Status{Name: juju.StatusBlocked, Message: MsgInvalidRoles}, h.m.State().UnitStatus)
	require.Empty(t, h.relation("database:4").LocalAppData)

	// Other requests are still served, and the unit stays blocked.
	h.mustHook(juju.RelationChanged, "database:5", "temporal-k8s")
	require.Len(t, h.db.takeScripts(), 1)
	require.Equal(t, juju.StatusBlocked, h.m.State().UnitStatus.Name)

	h.m.Update(func(s *jujutest.State) { s.Relations[0].RemoteAppData["extra-user-roles"] = "createdb" })
	h.mustHook(juju.RelationChanged, "database:4", "temporal-k8s")
	require.Len(t, h.db.takeScripts(), 1)
	require.Equal(t, juju.Status{Name: juju.StatusActive, Message: MsgPrimary}, h.m.State().UnitStatus)
	require.Equal(t, "temporal-k8s_db", h.relation("database:4").LocalAppData["database"])
	require.Empty(t, h.unitState().Blocked)
}

func TestRelationBrokenDropsTheUserAndForgetsTheRequest(t *testing.T) {
	bad := temporalRequest("temporal-k8s_db")
	bad["extra-user-roles"] = "bogus"
	h := newHarness(t, rel(4, "temporal-k8s", temporalRequest("temporal-k8s_db")), rel(5, "temporal-k8s", bad))
	h.mustHook(juju.RelationChanged, "database:4", "temporal-k8s")
	h.mustHook(juju.RelationChanged, "database:5", "temporal-k8s")
	h.db.takeScripts()
	require.Equal(t, juju.StatusBlocked, h.m.State().UnitStatus.Name)

	h.mustHook(juju.RelationBroken, "database:4", "temporal-k8s")
	require.Equal(t, []string{DropUserSQL("relation_id_4", "temporal-k8s_db")}, h.db.takeScripts())
	require.Equal(t, juju.StatusBlocked, h.m.State().UnitStatus.Name)

	h.mustHook(juju.RelationBroken, "database:5", "temporal-k8s")
	require.Equal(t, []string{DropUserSQL("relation_id_5", "")}, h.db.takeScripts())
	require.Equal(t, juju.Status{Name: juju.StatusActive, Message: MsgPrimary}, h.m.State().UnitStatus)
	require.Equal(t, unitState{}, h.unitState())
}

func TestChangedRequestKeepsTheCredentials(t *testing.T) {
	h := newHarness(t, rel(4, "temporal-k8s", temporalRequest("temporal-k8s_db")))
	h.mustHook(juju.RelationChanged, "database:4", "temporal-k8s")
	h.db.takeScripts()
	own := h.relation("database:4").LocalAppData
	password := h.secrets[own["secret-user"]]["password"]

	h.m.Update(func(s *jujutest.State) { s.Relations[0].RemoteAppData["extra-user-roles"] = "createdb" })
	h.mustHook(juju.RelationChanged, "database:4", "temporal-k8s")
	scripts := h.db.takeScripts()
	require.Len(t, scripts, 1)
	require.Contains(t, scripts[0], fmt.Sprintf(`ALTER ROLE "relation_id_4" WITH LOGIN NOSUPERUSER CREATEDB NOCREATEROLE PASSWORD '%s';`, password))
	after := h.relation("database:4").LocalAppData
	require.Equal(t, own["secret-user"], after["secret-user"])
	require.Equal(t, own["secret-tls"], after["secret-tls"])
	require.Contains(t, after[requestKey], `"extra-user-roles":"createdb"`)
}

func TestPlainCredentialsForRequirersWithoutSecrets(t *testing.T) {
	h := newHarness(t, rel(3, "legacy", map[string]string{"database": "app"}))
	calls := h.mustHook(juju.RelationChanged, "database:3", "legacy")
	require.Zero(t, count(calls, "secret-add"))
	own := h.relation("database:3").LocalAppData
	require.Equal(t, "relation_id_3", own["username"])
	require.Regexp(t, `^[A-Za-z0-9]{16}$`, own["password"])
	require.Equal(t, "False", own["tls"])
	require.Equal(t, "app", own["database"])
	require.Empty(t, own["secret-user"])
}

func TestNonLeaderAnswersNothing(t *testing.T) {
	h := newHarness(t, rel(4, "temporal-k8s", temporalRequest("temporal-k8s_db")))
	h.m.Update(func(s *jujutest.State) { s.Leader = false })
	calls := h.mustHook(juju.RelationChanged, "database:4", "temporal-k8s")
	require.Equal(t, []string{"state-get", "is-leader"}, calls)
	require.Empty(t, h.db.takeScripts())
}

func TestPending(t *testing.T) {
	req := temporalRequest("temporal-k8s_db")
	answered := map[string]string{"database": "temporal-k8s_db", "secret-user": "secret:x", requestKey: RequestSnapshot(req)}
	with := func(m map[string]string, k, v string) map[string]string {
		out := map[string]string{}
		for key, val := range m {
			out[key] = val
		}
		out[k] = v
		return out
	}
	tests := []struct {
		name        string
		remote, own map[string]string
		want        bool
	}{
		{"nothing asked", map[string]string{}, map[string]string{}, false},
		{"new request", req, map[string]string{}, true},
		{"answered", req, answered, false},
		{"answered before requests were recorded", req, with(answered, requestKey, ""), false},
		{"other database", with(req, "database", "other"), answered, true},
		{"other roles", with(req, "extra-user-roles", "createdb"), answered, true},
		{"secrets now wanted", req, map[string]string{"database": "temporal-k8s_db", "password": "pw"}, true},
		{"secrets no longer wanted", with(req, "requested-secrets", ""), answered, true},
		{"other requirer keys do not matter", with(req, "data", `{"x":"y"}`), answered, false},
		{"unreadable record", req, with(answered, requestKey, "{"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, Pending(tt.remote, tt.own))
		})
	}
}

func TestRequestSnapshot(t *testing.T) {
	require.Equal(t, `{"database":"db","extra-user-roles":"admin"}`, RequestSnapshot(map[string]string{"extra-user-roles": "admin", "database": "db", "data": "{}"}))
}

func TestUnitState(t *testing.T) {
	var st unitState
	st.deferRequest("database:10", "a")
	st.block("database:9", "bad roles")
	st.block("database:10", "worse roles")
	st.block("database:11", "also bad")
	require.Empty(t, st.Deferred, "a blocked request is not retried")
	require.Equal(t, "bad roles; worse roles; also bad", st.BlockedMessage())
	st.done("database:10")
	got, err := decodeState(st.encode())
	require.NoError(t, err)
	require.Equal(t, "bad roles; also bad", got.BlockedMessage())
	empty, err := decodeState("")
	require.NoError(t, err)
	require.Equal(t, "{}", empty.encode())
	_, err = decodeState("nope")
	require.ErrorContains(t, err, "cannot decode the unit state")
}

func TestAnswerSQL(t *testing.T) {
	a := UserRequest{User: "relation_id_4", Password: "p4", Database: "db"}
	b := UserRequest{User: "relation_id_5", Password: "p5", Database: "vis"}
	require.Equal(t, "SHOW server_version;\n"+EnsureUserSQL(a)+EnsureUserSQL(b), AnswerSQL([]UserRequest{a, b}))
}

func TestParseServerVersion(t *testing.T) {
	tests := []struct{ in, want, wantErr string }{
		{in: "15.14 (Debian 15.14-0+deb12u1)\n", want: "15.14"},
		{in: "\n16.4\n", want: "16.4"},
		{in: "17beta1\n", want: "17"},
		{in: "", wantErr: "cannot parse PostgreSQL version"},
	}
	for _, tt := range tests {
		got, err := ParseServerVersion(tt.in)
		if tt.wantErr != "" {
			require.ErrorContains(t, err, tt.wantErr)
			continue
		}
		require.NoError(t, err)
		require.Equal(t, tt.want, got)
	}
}

func TestConnectFailed(t *testing.T) {
	refused := &workload.ExecError{Args: []string{"psql"}, ExitCode: 2, Stderr: "connection to server failed"}
	require.True(t, connectFailed("", refused))
	require.False(t, connectFailed("15.14\n", refused), "the script ran: a later error is not a wait")
	require.False(t, connectFailed("", &workload.ExecError{Args: []string{"psql"}, ExitCode: 3}))
	require.False(t, connectFailed("", nil))
}

func TestRotatePasswordKeepsThePublishedAddress(t *testing.T) {
	h := newHarness(t, rel(4, "temporal-k8s", temporalRequest("temporal-k8s_db")), rel(5, "temporal-k8s", temporalRequest("temporal-k8s_visibility")))
	h.mustHook(juju.RelationChanged, "database:4", "temporal-k8s")
	h.mustHook(juju.RelationChanged, "database:5", "temporal-k8s")
	h.db.takeScripts()
	uri := h.relation("database:4").LocalAppData["secret-user"]
	old := h.secrets[uri]["password"]

	h.m.Update(func(s *jujutest.State) { s.ActionParams = map[string]any{"relation-id": 4} })
	h.calls = nil
	h.stagedSecrets = map[string]map[string]string{}
	c := &Charm{juju: juju.NewClient(h), db: h.db, event: juju.Event{Kind: juju.Action, Name: "rotate-password", Unit: testUnit, App: testApp, Model: testModel}}
	require.NoError(t, c.run(context.Background()))

	content := h.stagedSecrets[uri]
	require.NotEqual(t, old, content["password"])
	require.Equal(t, []string{SetPasswordSQL("relation_id_4", content["password"])}, h.db.takeScripts())
	require.Equal(t, "postgresql://relation_id_4:"+content["password"]+"@postgresql-k8s-primary.lm.svc.cluster.local:5432/temporal-k8s_db", content["uris"])
	results, failed := h.m.ActionResults()
	require.Nil(t, failed)
	require.Equal(t, map[string]string{"rotated-users": "relation_id_4"}, results)
}

func TestDeferredRequestRetriedInItsOwnRelationsHooks(t *testing.T) {
	h := newHarness(t, rel(4, "temporal-k8s", temporalRequest("temporal-k8s_db")))
	h.db.notReady = true
	h.mustHook(juju.RelationChanged, "database:4", "temporal-k8s")
	require.Equal(t, map[string]string{"database:4": "temporal-k8s"}, h.unitState().Deferred)
	// A failed hook keeps nothing: the request stays deferred.
	h.db.notReady = false
	h.m.FailTool("relation-set", &juju.ToolError{Tool: "relation-set", Code: 1, Stderr: "ERROR boom\n"})
	_, err := h.hook(juju.RelationJoined, "database:4", "temporal-k8s")
	require.ErrorContains(t, err, "boom")
	require.Equal(t, map[string]string{"database:4": "temporal-k8s"}, h.unitState().Deferred)
	require.Empty(t, h.relation("database:4").LocalAppData)

	h.m = jujutest.New(h.m.State())
	h.mustHook(juju.RelationJoined, "database:4", "temporal-k8s")
	require.Equal(t, "temporal-k8s_db", h.relation("database:4").LocalAppData["database"])
	require.Empty(t, h.unitState().Deferred)
}

// The track option decides, in the relation's own hook, which roles a
// request may ask for: 16 refuses admin and takes charmed_admin.
func TestTrack16RolesInTheRelationHook(t *testing.T) {
	h := newHarness(t, rel(4, "temporal-k8s", temporalRequest("temporal-k8s_db")))
	h.m.Update(func(s *jujutest.State) { s.Config["track"] = "16" })
	h.mustHook(juju.RelationChanged, "database:4", "temporal-k8s")
	require.Empty(t, h.db.takeScripts())
	require.Equal(t, juju.Status{Name: juju.StatusBlocked, Message: MsgInvalidRoles}, h.m.State().UnitStatus)

	h.m.Update(func(s *jujutest.State) { s.Relations[0].RemoteAppData["extra-user-roles"] = "charmed_admin" })
	h.mustHook(juju.RelationChanged, "database:4", "temporal-k8s")
	scripts := h.db.takeScripts()
	require.Len(t, scripts, 1)
	require.Contains(t, scripts[0], `GRANT charmed_admin TO "relation_id_4";`)
	require.Equal(t, juju.Status{Name: juju.StatusActive, Message: MsgPrimary}, h.m.State().UnitStatus)
}

// data_interfaces LIBPATCH 59's requirers ask for every secret field,
// written by Python's json.dumps; track 16 then adds read-only-uris to the
// user secret, track 14 never publishes it, and a requirer that does not
// ask (this project's charm) does not get it.
func TestReadOnlyURIsOnlyWhenRequested(t *testing.T) {
	lib59 := `["username", "password", "tls", "tls-ca", "uris", "read-only-uris", "entity-name", "entity-password"]`
	for _, c := range []struct {
		track, requestedSecrets string
		want                    bool
	}{
		{Track16, lib59, true},
		{Track14, lib59, false},
		{Track16, `["username","password","tls","tls-ca","uris"]`, false},
	} {
		req := temporalRequest("temporal-k8s_db")
		req["requested-secrets"] = c.requestedSecrets
		req["extra-user-roles"] = "charmed_admin"
		if c.track == Track14 {
			req["extra-user-roles"] = "admin"
		}
		h := newHarness(t, rel(4, "temporal-k8s", req))
		h.m.Update(func(s *jujutest.State) { s.Config["track"] = c.track })
		h.mustHook(juju.RelationChanged, "database:4", "temporal-k8s")
		user := h.secrets[h.relation("database:4").LocalAppData["secret-user"]]
		require.NotEmpty(t, user["password"], "%s %s", c.track, c.requestedSecrets)
		ro, ok := user["read-only-uris"]
		require.Equal(t, c.want, ok, "%s %s", c.track, c.requestedSecrets)
		if c.want {
			require.Equal(t, user["uris"], ro)
		}

		// A rotation renews it with the rest.
		uri := h.relation("database:4").LocalAppData["secret-user"]
		h.m.Update(func(s *jujutest.State) { s.ActionParams = map[string]any{"relation-id": 4} })
		h.stagedSecrets = map[string]map[string]string{}
		ev := juju.Event{Kind: juju.Action, Name: "rotate-password", Unit: testUnit, App: testApp, Model: testModel}
		require.NoError(t, (&Charm{juju: juju.NewClient(h), db: h.db, event: ev}).run(context.Background()))
		rotated := h.stagedSecrets[uri]
		require.NotEqual(t, user["password"], rotated["password"])
		ro, ok = rotated["read-only-uris"]
		require.Equal(t, c.want, ok, "%s %s", c.track, c.requestedSecrets)
		if c.want {
			require.Equal(t, rotated["uris"], ro)
		}
	}
}
