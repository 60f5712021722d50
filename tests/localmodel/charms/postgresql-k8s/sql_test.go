package postgresql

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseRoles(t *testing.T) {
	tests := []struct {
		in      string
		want    Privileges
		wantErr string
	}{
		{in: "", want: Privileges{}},
		{in: "admin", want: Privileges{Superuser: true, CreateDB: true}},
		{in: "charmed_admin", want: Privileges{Superuser: true, CreateDB: true}},
		{in: "SUPERUSER", want: Privileges{Superuser: true, CreateDB: true}},
		{in: "CREATEDB, createrole", want: Privileges{CreateDB: true, CreateRole: true}},
		{in: "pg_write_all_data,pg_read_all_data,pg_read_all_data", want: Privileges{Grants: []string{"pg_read_all_data", "pg_write_all_data"}}},
		{in: "admin,bogus,other", wantErr: "invalid role(s) for extra user roles: bogus, other"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseRoles(tt.in)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestEnsureUserSQL(t *testing.T) {
	tests := []struct {
		name string
		req  UserRequest
		want string
	}{{
		name: "temporal with admin",
		req:  UserRequest{User: "relation_id_5", Password: "Abc123", Database: "temporal-k8s_db", Privileges: Privileges{Superuser: true, CreateDB: true}},
		want: `SELECT format('CREATE ROLE %I', 'relation_id_5') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'relation_id_5')\gexec
ALTER ROLE "relation_id_5" WITH LOGIN SUPERUSER CREATEDB NOCREATEROLE PASSWORD 'Abc123';
SELECT format('CREATE DATABASE %I OWNER %I', 'temporal-k8s_db', 'relation_id_5') WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'temporal-k8s_db')\gexec
GRANT ALL PRIVILEGES ON DATABASE "temporal-k8s_db" TO "relation_id_5";
\connect "temporal-k8s_db"
GRANT ALL ON SCHEMA public TO "relation_id_5";
`,
	}, {
		name: "quoting and grants",
		req:  UserRequest{User: "relation_id_1", Password: "it's", Database: `we"ird`, Privileges: Privileges{Grants: []string{"pg_read_all_data"}}},
		want: `SELECT format('CREATE ROLE %I', 'relation_id_1') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'relation_id_1')\gexec
ALTER ROLE "relation_id_1" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD 'it''s';
GRANT "pg_read_all_data" TO "relation_id_1";
SELECT format('CREATE DATABASE %I OWNER %I', 'we"ird', 'relation_id_1') WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'we"ird')\gexec
GRANT ALL PRIVILEGES ON DATABASE "we""ird" TO "relation_id_1";
\connect "we""ird"
GRANT ALL ON SCHEMA public TO "relation_id_1";
`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, EnsureUserSQL(tt.req))
		})
	}
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
