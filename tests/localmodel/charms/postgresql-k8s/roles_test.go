package postgresql

import (
	"bytes"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// pgServer is a throwaway PostgreSQL from the machine's packages, run as
// the postgres OS user, reached over a Unix socket with trust: the test is
// about privileges, not authentication.
type pgServer struct {
	t           *testing.T
	bin, socket string
	cred        *syscall.Credential
}

func startPostgreSQL(t *testing.T) *pgServer {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("this test needs root, to run PostgreSQL as the postgres user")
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/postgres")
	if len(dirs) == 0 {
		t.Fatal("PostgreSQL is not installed (make test installs it: apt-get install -y postgresql)")
	}
	var versions []string
	for _, d := range dirs {
		versions = append(versions, filepath.Base(filepath.Dir(filepath.Dir(d))))
	}
	bin := filepath.Join("/usr/lib/postgresql", NewestVersion(versions), "bin")
	pg, err := user.Lookup("postgres")
	require.NoError(t, err)
	uid, _ := strconv.Atoi(pg.Uid)
	gid, _ := strconv.Atoi(pg.Gid)
	dir, err := os.MkdirTemp("", "pgroles")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	require.NoError(t, os.Chown(dir, uid, gid))
	s := &pgServer{t: t, bin: bin, socket: dir, cred: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	out, err := s.command(filepath.Join(bin, "initdb"), "-D", filepath.Join(dir, "data"), "-U", "postgres", "--auth=trust").CombinedOutput()
	require.NoError(t, err, "initdb: %s", out)
	server := s.command(filepath.Join(bin, "postgres"), "-D", filepath.Join(dir, "data"), "-k", dir, "-c", "listen_addresses=", "-p", "5499")
	require.NoError(t, server.Start())
	t.Cleanup(func() {
		_ = server.Process.Signal(syscall.SIGINT)
		_ = server.Wait()
	})
	require.Eventually(t, func() bool {
		return s.command(filepath.Join(bin, "pg_isready"), "-q", "-h", dir, "-p", "5499").Run() == nil
	}, 30*time.Second, 100*time.Millisecond, "PostgreSQL did not start")
	return s
}

func (s *pgServer) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred, Setpgid: true}
	cmd.Dir = "/"
	return cmd
}

// psql runs script as dbUser in database db and returns its output and
// error (the first failed statement stops it).
func (s *pgServer) psql(dbUser, db, script string) (string, error) {
	cmd := s.command(filepath.Join(s.bin, "psql"), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", s.socket, "-p", "5499", "-U", dbUser, "-d", db, "-f", "-")
	cmd.Stdin = strings.NewReader(script)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return strings.TrimSpace(out.String()), err
}

// The rules each track's users meet when several relations share one
// database, on a real PostgreSQL: the reason a Temporal deployment of
// four applications works on 14 with admin and on 16 with charmed_admin.
func TestRolesOnPostgreSQL(t *testing.T) {
	s := startPostgreSQL(t)
	answer := func(reqs ...UserRequest) {
		t.Helper()
		out, err := s.psql("postgres", "postgres", AnswerSQL(reqs))
		require.NoError(t, err, out)
	}

	// 14: the first user owns the schema and what it creates; another
	// admin user reads and writes it (admin holds pg_read_all_data and
	// pg_write_all_data) but cannot alter it; a user without admin cannot
	// even read it; nobody is a superuser.
	answer(UserRequest{User: "relation_id_1", Password: "p1", Database: "d14", Privileges: Privileges{Admin: true}, Track: Track14})
	answer(UserRequest{User: "relation_id_2", Password: "p2", Database: "d14", Privileges: Privileges{Admin: true}, Track: Track14},
		UserRequest{User: "relation_id_3", Password: "p3", Database: "d14", Track: Track14})
	out, err := s.psql("relation_id_1", "d14", "CREATE TABLE t (x int); INSERT INTO t VALUES (1);")
	require.NoError(t, err, out)
	out, err = s.psql("relation_id_2", "d14", "INSERT INTO t VALUES (2); SELECT count(*) FROM t;")
	require.NoError(t, err, out)
	require.Equal(t, "2", out)
	out, err = s.psql("relation_id_2", "d14", "ALTER TABLE t ADD COLUMN y int;")
	require.Error(t, err)
	require.Contains(t, out, "must be owner of table t")
	out, err = s.psql("relation_id_3", "d14", "SELECT count(*) FROM t;")
	require.Error(t, err)
	require.Contains(t, out, "permission denied")
	out, err = s.psql("postgres", "postgres", "SELECT string_agg(rolname || '=' || rolsuper || rolcreatedb, ',' ORDER BY rolname) FROM pg_roles WHERE rolname LIKE 'relation_id_%';")
	require.NoError(t, err, out)
	require.Equal(t, "relation_id_1=falsetrue,relation_id_2=falsetrue,relation_id_3=falsefalse", out)

	// 16: every user acts as the database's owner role, so what one
	// creates another may alter.
	answer(UserRequest{User: "relation_id_4", Password: "p4", Database: "d16", Privileges: Privileges{CharmedAdmin: true}, Track: Track16},
		UserRequest{User: "relation_id_5", Password: "p5", Database: "d16", Privileges: Privileges{CharmedAdmin: true}, Track: Track16})
	out, err = s.psql("relation_id_4", "d16", "CREATE TABLE u (x int); INSERT INTO u VALUES (1);")
	require.NoError(t, err, out)
	out, err = s.psql("relation_id_5", "d16", "ALTER TABLE u ADD COLUMN y int; INSERT INTO u VALUES (2, 2); SELECT tableowner FROM pg_tables WHERE tablename = 'u';")
	require.NoError(t, err, out)
	require.Equal(t, "charmed_d16_owner", out)
	out, err = s.psql("postgres", "postgres", "SELECT rolsuper FROM pg_roles WHERE rolname = 'relation_id_5';")
	require.NoError(t, err, out)
	require.Equal(t, "f", out)

	// Answering again changes nothing that matters.
	answer(UserRequest{User: "relation_id_2", Password: "p2b", Database: "d14", Privileges: Privileges{Admin: true}, Track: Track14})
	out, err = s.psql("relation_id_2", "d14", "SELECT count(*) FROM t;")
	require.NoError(t, err, out)
	require.Equal(t, "2", out)
}
