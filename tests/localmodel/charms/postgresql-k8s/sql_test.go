package postgresql

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseRoles(t *testing.T) {
	tests := []struct {
		track, in string
		want      Privileges
		invalid   bool
	}{
		{track: Track14, in: "", want: Privileges{}},
		{track: Track14, in: "admin", want: Privileges{Admin: true}},
		{track: Track14, in: "SUPERUSER", want: Privileges{Superuser: true}},
		{track: Track14, in: "createdb,createrole", want: Privileges{CreateDB: true, CreateRole: true}},
		{track: Track14, in: "pg_read_all_data,pg_write_all_data", want: Privileges{Grants: []string{"pg_read_all_data", "pg_write_all_data"}}},
		// The real 14 splits on commas and does not trim.
		{track: Track14, in: "admin, createdb", invalid: true},
		{track: Track14, in: "charmed_admin", invalid: true},
		{track: Track14, in: "admin,bogus", invalid: true},
		{track: Track16, in: "charmed_admin", want: Privileges{CharmedAdmin: true}},
		{track: Track16, in: "charmed_admin,createdb", want: Privileges{CharmedAdmin: true, CreateDB: true}},
		{track: Track16, in: "charmed_read", want: Privileges{Grants: []string{"charmed_read"}}},
		{track: Track16, in: "admin", invalid: true},
		{track: Track16, in: "charmed_read,charmed_dml", invalid: true},
		{track: Track16, in: "pg_read_all_data", invalid: true},
	}
	for _, tt := range tests {
		t.Run(tt.track+" "+tt.in, func(t *testing.T) {
			got, err := ParseRoles(tt.in, tt.track)
			if tt.invalid {
				require.EqualError(t, err, MsgInvalidRoles)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

// What each track grants, statement by statement that matters; the rules
// themselves are pinned against a real PostgreSQL in TestRolesOnPostgreSQL.
func TestEnsureUserSQL(t *testing.T) {
	sql14 := EnsureUserSQL(UserRequest{User: "relation_id_5", Password: "it's", Database: "temporal-k8s_db", Privileges: Privileges{Admin: true}, Track: Track14})
	for _, line := range []string{
		`ALTER ROLE "relation_id_5" WITH LOGIN NOSUPERUSER CREATEDB NOCREATEROLE PASSWORD 'it''s';`,
		`GRANT admin TO "relation_id_5";`,
		`GRANT pg_read_all_data TO admin;`,
		`SELECT format('ALTER SCHEMA public OWNER TO %I', 'relation_id_5') FROM pg_namespace WHERE nspname = 'public' AND nspowner::regrole::text IN ('pg_database_owner', 'postgres')\gexec`,
		`GRANT USAGE, CREATE ON SCHEMA public TO "relation_id_5";`,
	} {
		require.Contains(t, sql14, line+"\n")
	}
	sql16 := EnsureUserSQL(UserRequest{User: "relation_id_6", Password: "p", Database: "temporal-k8s_db", Privileges: Privileges{CharmedAdmin: true}, Track: Track16})
	for _, line := range []string{
		`ALTER ROLE "relation_id_6" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD 'p';`,
		`GRANT "charmed_temporal-k8s_db_admin", "charmed_temporal-k8s_db_dml" TO "relation_id_6";`,
		`ALTER ROLE "relation_id_6" IN DATABASE "temporal-k8s_db" SET role = 'charmed_temporal-k8s_db_owner';`,
		`GRANT charmed_admin TO "relation_id_6";`,
		`ALTER SCHEMA public OWNER TO "charmed_temporal-k8s_db_owner";`,
	} {
		require.Contains(t, sql16, line+"\n")
	}
	require.NotContains(t, sql16, "SUPERUSER CREATEDB")
}

func TestSetPasswordSQL(t *testing.T) {
	require.Equal(t, "ALTER ROLE \"relation_id_2\" WITH PASSWORD 'x''y';\n", SetPasswordSQL("relation_id_2", "x'y"))
}

func TestDropUserSQL(t *testing.T) {
	require.Equal(t, `\connect "temporal-k8s_db"
SELECT format('REASSIGN OWNED BY %I TO postgres', 'relation_id_3') FROM pg_roles WHERE rolname = 'relation_id_3'\gexec
SELECT format('DROP OWNED BY %I', 'relation_id_3') FROM pg_roles WHERE rolname = 'relation_id_3'\gexec
\connect postgres
DROP ROLE IF EXISTS "relation_id_3";
`, DropUserSQL("relation_id_3", "temporal-k8s_db"))
	require.Equal(t, "DROP ROLE IF EXISTS \"relation_id_3\";\n", DropUserSQL("relation_id_3", ""))
}

func TestNewPassword(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 50; i++ {
		p, err := NewPassword()
		require.NoError(t, err)
		require.Regexp(t, regexp.MustCompile(`^[A-Za-z0-9]{16}$`), p)
		require.False(t, seen[p])
		seen[p] = true
	}
}

func TestParseVersion(t *testing.T) {
	tests := []struct{ in, want, wantErr string }{
		{in: "postgres (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)\n", want: "15.14"},
		{in: "postgres (PostgreSQL) 14.7", want: "14.7"},
		{in: "postgres (PostgreSQL) 17beta1", want: "17"},
		{in: "nope", wantErr: "cannot parse PostgreSQL version"},
	}
	for _, tt := range tests {
		got, err := ParseVersion(tt.in)
		if tt.wantErr != "" {
			require.ErrorContains(t, err, tt.wantErr)
			continue
		}
		require.NoError(t, err)
		require.Equal(t, tt.want, got)
	}
}
