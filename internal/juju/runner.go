// Package juju is a thin, typed client over the Juju hook tools and a parser
// for the hook environment. Data (relation settings, secret content) always
// travels on stdin or in files, never in argv, so it cannot leak through the
// process table.
package juju

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// Runner runs one hook tool with the given stdin and returns its stdout.
// A tool that exits non-zero yields a *ToolError.
type Runner interface {
	Run(ctx context.Context, stdin []byte, name string, args ...string) ([]byte, error)
}

// ExecRunner runs hook tools as processes found on PATH.
type ExecRunner struct{}

// waitDelay is how long a killed tool's pipes may stay open.
const waitDelay = time.Second

// Run implements Runner.
func (ExecRunner) Run(ctx context.Context, stdin []byte, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	// A killed tool may leave children holding its stdout: stop waiting
	// for them soon after the context ends, or the hook hangs with them.
	cmd.WaitDelay = waitDelay
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	err := cmd.Run()
	if err == nil {
		return stdout.Bytes(), nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return nil, fmt.Errorf("cannot run %s: %w", name, ctxErr)
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		return nil, &ToolError{Tool: name, Code: exitErr.ExitCode(), Stderr: stderr.String()}
	}
	return nil, fmt.Errorf("cannot run %s: %w", name, err)
}

// Sentinel errors a caller can react to with errors.Is on a *ToolError.
var (
	ErrPermissionDenied = errors.New("permission denied")
	ErrNotFound         = errors.New("not found")
	ErrNotLeader        = errors.New("not the leader")
)

// ToolError is a hook tool's failure as Juju reports it: exit code 2 for
// usage errors, 1 for runtime errors, and "ERROR <message>" on stderr.
type ToolError struct {
	Tool   string
	Code   int
	Stderr string
}

// Message is the tool's error text without the "ERROR " prefix.
func (e *ToolError) Message() string {
	msg := strings.TrimSpace(e.Stderr)
	// Deprecation warnings may precede the error line; the last line is it
	// (with no newline, LastIndexByte's -1 keeps the whole message).
	msg = msg[strings.LastIndexByte(msg, '\n')+1:]
	return strings.TrimPrefix(msg, "ERROR ")
}

func (e *ToolError) Error() string {
	return fmt.Sprintf("%s failed (exit %d): %s", e.Tool, e.Code, e.Message())
}

// Is maps Juju's error texts onto the sentinel errors.
func (e *ToolError) Is(target error) bool {
	msg := e.Message()
	switch target {
	case ErrPermissionDenied:
		return strings.Contains(msg, "permission denied") || strings.Contains(msg, "cannot write relation settings")
	case ErrNotFound:
		return strings.Contains(msg, "not found")
	case ErrNotLeader:
		return strings.Contains(msg, "not the leader")
	}
	return false
}
