// Package walkthrough drives the local model through the temporal-k8s
// README: deploy the four services as separate applications with
// PostgreSQL and the admin charm, check the cluster membership, run
// workflows, scale up and back down.
package walkthrough

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
)

// CLI runs the localmodel command, shaped like juju.
type CLI struct {
	// Bin is the localmodel executable.
	Bin string
	// Env is added to the command's environment (e.g. LOCALMODEL_CHARMS).
	Env []string
	// Log, when set, receives each command line before it runs.
	Log io.Writer
}

// CommandError is a localmodel command that failed.
type CommandError struct {
	Args   []string
	Err    error
	Output string
}

func (e *CommandError) Error() string {
	return fmt.Sprintf("localmodel %s: %v: %s", strings.Join(e.Args, " "), e.Err, strings.TrimSpace(e.Output))
}

func (e *CommandError) Unwrap() error { return e.Err }

// Run runs one command, echoing it to Log, and returns its standard
// output.
func (c CLI) Run(ctx context.Context, args ...string) (string, error) {
	if c.Log != nil {
		fmt.Fprintf(c.Log, "$ localmodel %s\n", shellJoin(args))
	}
	return c.output(ctx, args...)
}

// output runs one command without echoing it: for the polls that would
// drown the narrative.
func (c CLI) output(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, c.Bin, args...)
	cmd.Env = append(os.Environ(), c.Env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), &CommandError{Args: args, Err: err, Output: stderr.String() + stdout.String()}
	}
	return stdout.String(), nil
}

// shellJoin quotes arguments the way a reader would type them.
func shellJoin(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\"'$\\") {
			if k, v, ok := strings.Cut(a, "="); ok && !strings.ContainsAny(k, " \t\"'") {
				out[i] = k + "=" + `"` + strings.ReplaceAll(v, `"`, `\"`) + `"`
				continue
			}
			out[i] = `"` + strings.ReplaceAll(a, `"`, `\"`) + `"`
			continue
		}
		out[i] = a
	}
	return strings.Join(out, " ")
}

// Status runs status --format json (not echoed: it is polled).
func (c CLI) Status(ctx context.Context) (*Status, error) {
	out, err := c.output(ctx, "status", "--format", "json")
	if err != nil {
		return nil, err
	}
	return ParseStatus([]byte(out))
}

// ActionResult is one unit's answer to run --format json.
type ActionResult struct {
	Status  string         `json:"status"`
	Message string         `json:"message"`
	Results map[string]any `json:"results"`
}

// Result returns a result value as text.
func (r ActionResult) Result(key string) string {
	v, ok := r.Results[key]
	if !ok || v == nil {
		return ""
	}
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprint(v)
}

// RunAction runs an action on a unit and waits for its result. It is not
// echoed: the cluster description is polled.
func (c CLI) RunAction(ctx context.Context, unit, action string, params ...string) (ActionResult, error) {
	args := append([]string{"run", unit, action}, params...)
	args = append(args, "--format", "json")
	out, err := c.output(ctx, args...)
	if err != nil {
		return ActionResult{}, err
	}
	var results map[string]ActionResult
	if err := json.Unmarshal([]byte(out), &results); err != nil {
		return ActionResult{}, fmt.Errorf("cannot parse the result of %s on %s: %w: %q", action, unit, err, out)
	}
	res, ok := results[unit]
	if !ok {
		return ActionResult{}, fmt.Errorf("cannot find %s in the result of %s: %q", unit, action, out)
	}
	if res.Status != "completed" {
		return res, fmt.Errorf("action %s on %s %s: %s %v", action, unit, res.Status, res.Message, res.Results)
	}
	return res, nil
}
