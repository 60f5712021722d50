package postgresql

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// The real charm's tracks, whose roles the stand-in grants (its track
// option). Both are written from the real code (postgresql-k8s-operator
// lib/charms/postgresql_k8s/v0/postgresql.py at 59f9b594 for 14;
// postgresql-single-kernel-library 16.2.2 for 16).
const (
	Track14 = "14"
	Track16 = "16"
)

// MsgInvalidRoles is the real charm's status for an extra-user-roles it
// refuses (INVALID_EXTRA_USER_ROLE_BLOCKING_MESSAGE).
const MsgInvalidRoles = "invalid role(s) for extra user roles"

// Privileges is what extra-user-roles asks for, as the track grants it.
type Privileges struct {
	// Admin is 14's "admin": the user is IN ROLE admin (which holds
	// pg_read_all_data and pg_write_all_data) with CREATEDB. Never a
	// superuser.
	Admin bool
	// CharmedAdmin is 16's charmed_admin.
	CharmedAdmin bool
	Superuser    bool
	CreateDB     bool
	CreateRole   bool
	// Grants are other roles to grant (predefined pg_* roles; on 16 also
	// charmed_read, charmed_dml, charmed_stats).
	Grants []string
}

var predefinedRole = regexp.MustCompile(`^pg_[a-z_]+$`)

// ParseRoles reads extra-user-roles as the track's charm does: split on
// commas without trimming, lower-cased. 14 takes admin, superuser,
// createdb, createrole and existing (here: predefined) roles; 16 takes
// one of charmed_stats, charmed_read, charmed_dml, charmed_admin,
// superuser or createdb (or exactly charmed_admin,createdb), and refuses
// admin.
func ParseRoles(s, track string) (Privileges, error) {
	var p Privileges
	var values []string
	for _, role := range strings.Split(strings.ToLower(s), ",") {
		if role != "" {
			values = append(values, role)
		}
	}
	invalid := func() (Privileges, error) { return Privileges{}, errors.New(MsgInvalidRoles) }
	// Anything but 16 is 14, as the track option says.
	is16 := track == Track16
	if is16 && len(values) > 1 && strings.Join(values, ",") != "charmed_admin,createdb" {
		return invalid()
	}
	for _, role := range values {
		switch {
		case role == "superuser":
			p.Superuser = true
		case role == "createdb":
			p.CreateDB = true
		case role == "createrole" && !is16:
			p.CreateRole = true
		case role == "admin" && !is16:
			p.Admin = true
		case role == "charmed_admin" && is16:
			p.CharmedAdmin = true
		case is16 && (role == "charmed_read" || role == "charmed_dml" || role == "charmed_stats"):
			p.Grants = append(p.Grants, role)
		case !is16 && predefinedRole.MatchString(role):
			p.Grants = append(p.Grants, role)
		default:
			return invalid()
		}
	}
	return p, nil
}

// UserRequest is one relation's database and user.
type UserRequest struct {
	User       string
	Password   string
	Database   string
	Privileges Privileges
	Track      string
}

func attributes(p Privileges) string {
	attr := []string{"LOGIN"}
	flag := func(on bool, name string) {
		if on {
			attr = append(attr, name)
		} else {
			attr = append(attr, "NO"+name)
		}
	}
	flag(p.Superuser, "SUPERUSER")
	flag(p.CreateDB || p.Admin, "CREATEDB")
	flag(p.CreateRole, "CREATEROLE")
	return strings.Join(attr, " ")
}

// createRole is a psql line creating a role unless it exists (CREATE ROLE
// has no IF NOT EXISTS; \gexec runs what the SELECT returns).
func createRole(name, options string) string {
	return fmt.Sprintf("SELECT %s WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = %s)\\gexec\n",
		quoteLiteral("CREATE ROLE "+quoteIdent(name)+" "+options), quoteLiteral(name))
}

// EnsureUserSQL is a psql script that creates or updates the user, sets
// its password, and creates the database with the track's roles. Running
// it again changes nothing but the password.
func EnsureUserSQL(r UserRequest) string {
	var b strings.Builder
	user, db := quoteIdent(r.User), quoteIdent(r.Database)
	b.WriteString(createRole(r.User, "LOGIN"))
	fmt.Fprintf(&b, "ALTER ROLE %s WITH %s PASSWORD %s;\n", user, attributes(r.Privileges), quoteLiteral(r.Password))
	fmt.Fprintf(&b, "SELECT format('CREATE DATABASE %%I', %s) WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = %s)\\gexec\n",
		quoteLiteral(r.Database), quoteLiteral(r.Database))
	fmt.Fprintf(&b, "REVOKE ALL PRIVILEGES ON DATABASE %s FROM PUBLIC;\n", db)
	for _, g := range r.Privileges.Grants {
		fmt.Fprintf(&b, "GRANT %s TO %s;\n", quoteIdent(g), user)
	}
	if r.Track == Track16 {
		ensure16(&b, r, user, db)
	} else {
		ensure14(&b, r, user, db)
	}
	return b.String()
}

// ensure14: the admin role (set_up_database), the user IN ROLE admin,
// every privilege on the database; the first relation user of a database
// owns its public schema, later ones get every privilege on what exists
// then and may create in it. Tables a user creates later are its own: the
// others reach them only through admin's pg_read_all_data and
// pg_write_all_data, and cannot alter them ("must be owner").
func ensure14(b *strings.Builder, r UserRequest, user, db string) {
	b.WriteString(createRole("admin", "NOLOGIN"))
	b.WriteString("GRANT pg_read_all_data TO admin;\nGRANT pg_write_all_data TO admin;\n")
	if r.Privileges.Admin {
		fmt.Fprintf(b, "GRANT admin TO %s;\n", user)
	}
	fmt.Fprintf(b, "GRANT ALL PRIVILEGES ON DATABASE %s TO %s;\n", db, user)
	fmt.Fprintf(b, "GRANT ALL PRIVILEGES ON DATABASE %s TO admin;\n", db)
	fmt.Fprintf(b, "\\connect %s\n", db)
	fmt.Fprintf(b, "SELECT format('ALTER SCHEMA public OWNER TO %%I', %s) FROM pg_namespace WHERE nspname = 'public' AND nspowner::regrole::text IN ('pg_database_owner', 'postgres')\\gexec\n", quoteLiteral(r.User))
	for _, kind := range []string{"TABLES", "SEQUENCES", "FUNCTIONS"} {
		fmt.Fprintf(b, "GRANT ALL PRIVILEGES ON ALL %s IN SCHEMA public TO %s;\n", kind, user)
	}
	fmt.Fprintf(b, "GRANT USAGE, CREATE ON SCHEMA public TO %s;\n", user)
	fmt.Fprintf(b, "\\connect postgres\n")
}

// ensure16: the instance roles, and per database charmed_<db>_owner (owns
// the public schema), charmed_<db>_admin (NOINHERIT, in the owner role)
// and charmed_<db>_dml; the user is in the database's admin and dml roles
// and, at login to the database, acts as its owner role: the real charm's
// login_hook runs SET ROLE, here ALTER ROLE … IN DATABASE … SET role does
// the same. So every relation user creates objects the owner role owns,
// and none meets "must be owner".
func ensure16(b *strings.Builder, r UserRequest, user, db string) {
	owner, admin, dml := "charmed_"+r.Database+"_owner", "charmed_"+r.Database+"_admin", "charmed_"+r.Database+"_dml"
	b.WriteString(createRole("charmed_read", "NOLOGIN IN ROLE pg_read_all_data"))
	b.WriteString(createRole("charmed_dml", "NOLOGIN IN ROLE pg_write_all_data, charmed_read"))
	b.WriteString(createRole("charmed_admin", "NOSUPERUSER NOCREATEDB NOCREATEROLE NOLOGIN IN ROLE charmed_dml"))
	b.WriteString(createRole(owner, "NOLOGIN"))
	b.WriteString(createRole(admin, "NOLOGIN NOINHERIT IN ROLE "+quoteIdent(owner)))
	b.WriteString(createRole(dml, "NOLOGIN"))
	fmt.Fprintf(b, "GRANT CONNECT ON DATABASE %s TO %s, %s, charmed_read, charmed_dml, charmed_admin;\n", db, quoteIdent(admin), quoteIdent(dml))
	fmt.Fprintf(b, "GRANT CREATE, TEMPORARY ON DATABASE %s TO %s;\n", db, quoteIdent(owner))
	fmt.Fprintf(b, "GRANT CONNECT ON DATABASE %s TO %s;\n", db, user)
	if len(r.Privileges.Grants) == 0 {
		fmt.Fprintf(b, "GRANT %s, %s TO %s;\n", quoteIdent(admin), quoteIdent(dml), user)
		fmt.Fprintf(b, "ALTER ROLE %s IN DATABASE %s SET role = %s;\n", user, db, quoteLiteral(owner))
	}
	if r.Privileges.CharmedAdmin {
		fmt.Fprintf(b, "GRANT charmed_admin TO %s;\n", user)
	}
	fmt.Fprintf(b, "\\connect %s\n", db)
	fmt.Fprintf(b, "ALTER SCHEMA public OWNER TO %s;\n", quoteIdent(owner))
	fmt.Fprintf(b, "\\connect postgres\n")
}
