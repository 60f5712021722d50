package hooktools_test

import (
	"bytes"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/hooktools"
)

// fakeAgent answers every request with resp and records what it got.
func fakeAgent(t *testing.T, resp hooktools.Response) (string, <-chan hooktools.Request) {
	t.Helper()
	dir, err := os.MkdirTemp("", "lmtool")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "agent.socket")
	l, err := net.Listen("unix", sock)
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	got := make(chan hooktools.Request, 1)
	go func() {
		conn, err := l.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		var req hooktools.Request
		if json.NewDecoder(conn).Decode(&req) == nil {
			got <- req
		}
		json.NewEncoder(conn).Encode(resp)
	}()
	return sock, got
}

func TestClient(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "content"), []byte("s3cret"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "data.yaml"), []byte("a: b\n"), 0o600))
	cases := []struct {
		name      string
		args      []string
		stdin     string
		resp      hooktools.Response
		wantCode  int
		wantOut   string
		wantErr   string
		wantStdin string
		wantFiles []string
	}{{
		name: "output and exit code", args: []string{"relation-get", "-r", "1"},
		resp:     hooktools.Response{Code: 2, Stdout: []byte("out\n"), Stderr: []byte("ERROR x\n")},
		wantCode: 2, wantOut: "out\n", wantErr: "ERROR x\n",
	}, {
		name: "stdin only for --file -", args: []string{"relation-set", "--file", "-"}, stdin: "k: v\n",
		wantStdin: "k: v\n",
	}, {
		name: "stdin not read otherwise", args: []string{"relation-set", "k=v"}, stdin: "ignored",
	}, {
		name: "files named on the command line", args: []string{"secret-add", "--file", filepath.Join(dir, "data.yaml"), "pass#file=" + filepath.Join(dir, "content")},
		wantFiles: []string{filepath.Join(dir, "data.yaml"), filepath.Join(dir, "content")},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sock, got := fakeAgent(t, c.resp)
			env := map[string]string{"JUJU_CONTEXT_ID": "u/0-install-1", "JUJU_AGENT_SOCKET_ADDRESS": sock, "JUJU_AGENT_SOCKET_NETWORK": "unix"}
			var out, errOut bytes.Buffer
			code := hooktools.Main(append([]string{"/tools/" + c.args[0]}, c.args[1:]...), func(k string) string { return env[k] }, strings.NewReader(c.stdin), &out, &errOut)
			require.Equal(t, c.wantCode, code)
			require.Equal(t, c.wantOut, out.String())
			require.Equal(t, c.wantErr, errOut.String())
			req := <-got
			require.Equal(t, "u/0-install-1", req.ContextID)
			require.Equal(t, c.args[0], req.Command)
			require.Equal(t, c.args[1:], req.Args)
			require.Equal(t, c.wantStdin, string(req.Stdin))
			var files []string
			for f := range req.Files {
				files = append(files, f)
			}
			require.ElementsMatch(t, c.wantFiles, files)
		})
	}
}

func TestClientOutsideHook(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	code := hooktools.Main([]string{"config-get"}, func(string) string { return "" }, nil, &out, &errOut)
	require.Equal(t, 1, code)
	require.Contains(t, errOut.String(), "JUJU_CONTEXT_ID is not set")
}

func TestSecretXID(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		want string
		ok   bool
	}{
		{"secret://0a1b-2c/cs0ljvng4ng2fn5m0vqg", "cs0ljvng4ng2fn5m0vqg", true},
		{"secret:cs0ljvng4ng2fn5m0vqg", "cs0ljvng4ng2fn5m0vqg", true},
		{"cs0ljvng4ng2fn5m0vqg", "cs0ljvng4ng2fn5m0vqg", true},
		{"secret:short", "", false},
		{"label-like", "", false},
	} {
		got, ok := hooktools.SecretXID(c.in)
		require.Equal(t, c.ok, ok, c.in)
		require.Equal(t, c.want, got, c.in)
	}
}
