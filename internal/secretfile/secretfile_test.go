package secretfile_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/internal/secretfile"
)

func TestPrint(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "db-password")
	require.NoError(t, os.WriteFile(path, []byte("s3cret"), 0o600))
	empty := filepath.Join(dir, "empty")
	require.NoError(t, os.WriteFile(empty, nil, 0o600))

	for _, tt := range []struct {
		name    string
		args    []string
		out     string
		code    int
		errPart string
	}{
		{"the file as it is", secretfile.Args(path), "s3cret", 0, ""},
		{"an empty password", secretfile.Args(empty), "", 0, ""},
		{"no such file", secretfile.Args(filepath.Join(dir, "missing")), "", 1, "cannot read the password: open " + filepath.Join(dir, "missing")},
		{"no path", []string{secretfile.Flag}, "", 1, secretfile.ErrUsage.Error()},
		{"an empty path", []string{secretfile.Flag, ""}, "", 1, secretfile.ErrUsage.Error()},
		{"two paths", []string{secretfile.Flag, path, path}, "", 1, secretfile.ErrUsage.Error()},
		{"not a password read", []string{path}, "", 1, secretfile.ErrUsage.Error()},
		{"nothing", nil, "", 1, secretfile.ErrUsage.Error()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			require.Equal(t, tt.code, secretfile.Main(tt.args, &out, &errOut))
			require.Equal(t, tt.out, out.String())
			if tt.errPart == "" {
				require.Empty(t, errOut.String())
				return
			}
			require.Contains(t, errOut.String(), tt.errPart)
			require.NotContains(t, errOut.String(), "s3cret")
		})
	}
}

func TestIs(t *testing.T) {
	t.Parallel()
	require.True(t, secretfile.Is(secretfile.Args("/x")))
	require.False(t, secretfile.Is([]string{"frontend=127.0.0.1:7233"}))
	require.False(t, secretfile.Is(nil))
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, os.ErrClosed }

func TestPrintCannotWrite(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "p")
	require.NoError(t, os.WriteFile(path, []byte("x"), 0o600))
	require.ErrorIs(t, secretfile.Print(secretfile.Args(path), failingWriter{}), os.ErrClosed)
}
