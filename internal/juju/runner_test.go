package juju_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
)

// tool writes an executable script into a directory put first on PATH.
func tool(t *testing.T, name, script string) {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+script), 0o755))
	t.Setenv("PATH", dir+":"+os.Getenv("PATH"))
}

func TestExecRunner(t *testing.T) {
	ctx := context.Background()
	t.Run("stdin reaches the tool and stdout comes back", func(t *testing.T) {
		tool(t, "relation-set", `echo "args: $*"; cat`)
		out, err := juju.ExecRunner{}.Run(ctx, []byte("password: s3cret\n"), "relation-set", "-r", "db:1", "--file", "-")
		require.NoError(t, err)
		require.Equal(t, "args: -r db:1 --file -\npassword: s3cret\n", string(out))
	})
	t.Run("no stdin is an empty stdin", func(t *testing.T) {
		tool(t, "is-leader", `cat; echo done`)
		out, err := juju.ExecRunner{}.Run(ctx, nil, "is-leader")
		require.NoError(t, err)
		require.Equal(t, "done\n", string(out))
	})
	t.Run("a failing tool is a ToolError with its code and stderr", func(t *testing.T) {
		tool(t, "status-set", `echo "ERROR application status: not the leader" >&2; exit 2`)
		_, err := juju.ExecRunner{}.Run(ctx, nil, "status-set", "active")
		var toolErr *juju.ToolError
		require.True(t, errors.As(err, &toolErr), "%v", err)
		require.Equal(t, "status-set", toolErr.Tool)
		require.Equal(t, 2, toolErr.Code)
		require.Equal(t, "application status: not the leader", toolErr.Message())
		require.ErrorIs(t, err, juju.ErrNotLeader)
	})
	t.Run("a tool that is not there", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		_, err := juju.ExecRunner{}.Run(ctx, nil, "no-such-tool")
		require.ErrorContains(t, err, "cannot run no-such-tool")
		var toolErr *juju.ToolError
		require.False(t, errors.As(err, &toolErr))
	})
	t.Run("the context ends the tool", func(t *testing.T) {
		tool(t, "goal-state", `sleep 30`)
		ctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := juju.ExecRunner{}.Run(ctx, nil, "goal-state")
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.Less(t, time.Since(start), 5*time.Second)
	})
}

func TestToolErrorMessages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		stderr  string
		message string
		is      []error
		isNot   []error
	}{
		{"ERROR permission denied\n", "permission denied", []error{juju.ErrPermissionDenied}, []error{juju.ErrNotFound, juju.ErrNotLeader}},
		{"WARNING deprecated flag\nERROR secret \"x\" not found\n", `secret "x" not found`, []error{juju.ErrNotFound}, []error{juju.ErrPermissionDenied}},
		{"ERROR cannot write relation settings\n", "cannot write relation settings", []error{juju.ErrPermissionDenied}, []error{juju.ErrNotFound}},
		{"ERROR this unit is not the leader\n", "this unit is not the leader", []error{juju.ErrNotLeader}, []error{juju.ErrNotFound}},
		{"plain text", "plain text", nil, []error{juju.ErrNotFound, juju.ErrNotLeader, juju.ErrPermissionDenied, errors.New("other")}},
	}
	for _, tt := range tests {
		err := &juju.ToolError{Tool: "secret-get", Code: 1, Stderr: tt.stderr}
		require.Equal(t, tt.message, err.Message())
		require.Equal(t, "secret-get failed (exit 1): "+tt.message, err.Error())
		for _, target := range tt.is {
			require.ErrorIs(t, err, target, tt.stderr)
		}
		for _, target := range tt.isNot {
			require.NotErrorIs(t, err, target, tt.stderr)
		}
	}
}
