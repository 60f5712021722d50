package postgresql

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"regexp"
	"sort"
	"strings"
)

// quoteIdent quotes an SQL identifier.
func quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// quoteLiteral quotes an SQL string literal (standard_conforming_strings
// is on in every supported PostgreSQL).
func quoteLiteral(s string) string {
	return `'` + strings.ReplaceAll(s, `'`, `''`) + `'`
}

// UserName is the user a relation gets, as postgresql-k8s names it.
func UserName(relationID int) string {
	return fmt.Sprintf("relation_id_%d", relationID)
}

// Privileges is what extra-user-roles asks for, as PostgreSQL knows it.
type Privileges struct {
	Superuser  bool
	CreateDB   bool
	CreateRole bool
	// Grants are predefined roles (pg_*) to grant.
	Grants []string
}

// ParseRoles reads extra-user-roles, a comma-separated list. "admin" (and
// PostgreSQL 16's charmed_admin) makes the user able to set up and change
// the schema of a database other relations' users also use, which a
// Temporal deployment sharing one database needs: superuser here.
func ParseRoles(s string) (Privileges, error) {
	var p Privileges
	var invalid []string
	seen := map[string]bool{}
	for _, role := range strings.Split(s, ",") {
		role = strings.TrimSpace(role)
		if role == "" || seen[role] {
			continue
		}
		seen[role] = true
		switch strings.ToLower(role) {
		case "admin", "charmed_admin", "superuser":
			p.Superuser, p.CreateDB = true, true
		case "createdb":
			p.CreateDB = true
		case "createrole":
			p.CreateRole = true
		default:
			if predefinedRole.MatchString(role) {
				p.Grants = append(p.Grants, role)
			} else {
				invalid = append(invalid, role)
			}
		}
	}
	if len(invalid) > 0 {
		return Privileges{}, fmt.Errorf("invalid role(s) for extra user roles: %s", strings.Join(invalid, ", "))
	}
	sort.Strings(p.Grants)
	return p, nil
}

var predefinedRole = regexp.MustCompile(`^pg_[a-z_]+$`)

// UserRequest is one relation's database and user.
type UserRequest struct {
	User       string
	Password   string
	Database   string
	Privileges Privileges
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
	flag(p.CreateDB, "CREATEDB")
	flag(p.CreateRole, "CREATEROLE")
	return strings.Join(attr, " ")
}

// EnsureUserSQL is a psql script that creates or updates the user, sets
// its password, and creates the database (owned by the first user that
// asked for it) with every privilege granted to this user. Running it
// again changes nothing but the password.
func EnsureUserSQL(r UserRequest) string {
	var b strings.Builder
	user, db := quoteIdent(r.User), quoteIdent(r.Database)
	// CREATE ROLE and CREATE DATABASE have no IF NOT EXISTS; \gexec runs
	// the generated statement only when the SELECT returns a row.
	fmt.Fprintf(&b, "SELECT format('CREATE ROLE %%I', %s) WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = %s)\\gexec\n",
		quoteLiteral(r.User), quoteLiteral(r.User))
	fmt.Fprintf(&b, "ALTER ROLE %s WITH %s PASSWORD %s;\n", user, attributes(r.Privileges), quoteLiteral(r.Password))
	for _, g := range r.Privileges.Grants {
		fmt.Fprintf(&b, "GRANT %s TO %s;\n", quoteIdent(g), user)
	}
	fmt.Fprintf(&b, "SELECT format('CREATE DATABASE %%I OWNER %%I', %s, %s) WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = %s)\\gexec\n",
		quoteLiteral(r.Database), quoteLiteral(r.User), quoteLiteral(r.Database))
	fmt.Fprintf(&b, "GRANT ALL PRIVILEGES ON DATABASE %s TO %s;\n", db, user)
	// Since PostgreSQL 15 only the database owner may create in public.
	fmt.Fprintf(&b, "\\connect %s\n", db)
	fmt.Fprintf(&b, "GRANT ALL ON SCHEMA public TO %s;\n", user)
	return b.String()
}

// AnswerSQL is one psql script answering several requests: it shows the
// server's version (the first line of its output), then runs each
// request's EnsureUserSQL in turn. Roles and databases are cluster-wide,
// so each request's \connect to its own database does not disturb the
// next one.
func AnswerSQL(reqs []UserRequest) string {
	var b strings.Builder
	b.WriteString("SHOW server_version;\n")
	for _, r := range reqs {
		b.WriteString(EnsureUserSQL(r))
	}
	return b.String()
}

var serverVersionRE = regexp.MustCompile(`^[0-9]+(?:\.[0-9]+)*`)

// ParseServerVersion reads the version AnswerSQL's first line shows
// ("15.14 (Debian 15.14-0+deb12u1)") as ParseVersion reads postgres
// --version: "15.14".
func ParseServerVersion(out string) (string, error) {
	first, _, _ := strings.Cut(strings.TrimLeft(out, "\n"), "\n")
	v := serverVersionRE.FindString(strings.TrimSpace(first))
	if v == "" {
		return "", fmt.Errorf("cannot parse PostgreSQL version from %q", strings.TrimSpace(first))
	}
	return v, nil
}

// SetPasswordSQL changes a user's password.
func SetPasswordSQL(user, password string) string {
	return fmt.Sprintf("ALTER ROLE %s WITH PASSWORD %s;\n", quoteIdent(user), quoteLiteral(password))
}

// DropUserSQL removes a relation's user, as postgresql-k8s does on
// relation-broken: its objects in the database go to postgres, the
// database stays.
func DropUserSQL(user, database string) string {
	var b strings.Builder
	if database != "" {
		// DROP OWNED also revokes the user's privileges on shared objects
		// such as the database itself, which would block DROP ROLE.
		fmt.Fprintf(&b, "\\connect %s\n", quoteIdent(database))
		for _, stmt := range []string{"REASSIGN OWNED BY %%I TO postgres", "DROP OWNED BY %%I"} {
			fmt.Fprintf(&b, "SELECT format('"+stmt+"', %s) FROM pg_roles WHERE rolname = %s\\gexec\n", quoteLiteral(user), quoteLiteral(user))
		}
		fmt.Fprintf(&b, "\\connect postgres\n")
	}
	fmt.Fprintf(&b, "DROP ROLE IF EXISTS %s;\n", quoteIdent(user))
	return b.String()
}

const passwordChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// NewPassword returns 16 random characters from [A-Za-z0-9], like
// postgresql-k8s's generated passwords.
func NewPassword() (string, error) {
	b := make([]byte, 16)
	max := big.NewInt(int64(len(passwordChars)))
	for i := range b {
		n, err := rand.Int(rand.Reader, max)
		if err != nil {
			return "", fmt.Errorf("cannot generate password: %w", err)
		}
		b[i] = passwordChars[n.Int64()]
	}
	return string(b), nil
}

var versionRE = regexp.MustCompile(`\(PostgreSQL\) ([0-9]+(?:\.[0-9]+)*)`)

// ParseVersion reads `postgres --version` ("postgres (PostgreSQL) 15.14
// (Debian 15.14-0+deb12u1)") and returns "15.14".
func ParseVersion(out string) (string, error) {
	m := versionRE.FindStringSubmatch(out)
	if m == nil {
		return "", fmt.Errorf("cannot parse PostgreSQL version from %q", strings.TrimSpace(out))
	}
	return m[1], nil
}
