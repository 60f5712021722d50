package postgresql

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"regexp"
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
