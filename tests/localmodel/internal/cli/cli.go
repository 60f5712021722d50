// Package cli is the localmodel command line, shaped like juju's so a
// walkthrough reads the same with localmodel in place of juju.
package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/internal/daemon"
	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/internal/flags"
)

// Env is the CLI's view of the process.
type Env struct {
	Args   []string
	Getenv func(string) string
	Stdout io.Writer
	Stderr io.Writer
}

type cmdFunc func(c *cmdCtx, args []string) error

type cmdCtx struct {
	env  Env
	home string
	fs   *flags.Set
}

var commands map[string]cmdFunc

func init() {
	commands = map[string]cmdFunc{
		"bootstrap":          func(c *cmdCtx, args []string) error { return bootstrap(c, args, true) },
		"up":                 func(c *cmdCtx, args []string) error { return bootstrap(c, args, false) },
		"deploy":             deploy,
		"relate":             relate,
		"integrate":          relate,
		"remove-relation":    removeRelation,
		"config":             config,
		"scale-application":  scale,
		"remove-application": removeApplication,
		"remove-unit":        removeUnit,
		"refresh":            refresh,
		"status":             status,
		"run":                run,
		"debug-log":          debugLog,
		"resolved":           resolved,
		"resolve":            resolved,
		"destroy":            destroy,
		"destroy-model":      destroy,
		"wait-for-idle":      waitIdle,
		"fail-commit":        failCommit,
		"show-hooks":         showHooks,
		"run-hook":           runHook,
		"delete-pod":         deletePod,
		"restart-container":  restartContainer,
		"cut-network":        cutNetwork,
	}
}

const usage = `Usage: localmodel COMMAND [options]

A local stand-in for a Juju model on Kubernetes.

Commands:
  bootstrap [--foreground] [--charms DIR] [--pebble BIN] [--update-status-interval D] [--seed N] [--elect random|lowest|highest]
  up [--detach] ...                (bootstrap in the foreground; Ctrl-C destroys the model)
  deploy CHARM [APP] [--config k=v]... [--resource name=DIR|host]... [-n N]
  fail-commit UNIT [N]             (fault: the next N hooks that exit 0 fail to commit; default 1)
  delete-pod UNIT                  (as kubectl delete pod: stop, then a new pod with a new IP)
  restart-container UNIT CONTAINER (a container crash; "charm" restarts the unit agent)
  cut-network UNIT DURATION        (fault: the pod reaches nothing and nobody reaches it for DURATION)
  relate|integrate A[:endpoint] B[:endpoint]
  remove-relation A[:endpoint] B[:endpoint]
  config APP [key | key=value ...] [--reset key[,key]]
  scale-application APP N
  remove-unit APP --num-units N    (as on Kubernetes: the N highest units go)
  remove-application APP
  refresh APP [--path CHARM]      (recreates the pods one at a time, highest ordinal first)
  status [--format tabular|json|yaml] [--watch DURATION]
  run UNIT ACTION [key=value ...] [--format yaml|json] [--wait DURATION]
  resolved UNIT [--no-retry]
  debug-log [--replay] [--include UNIT|APP] [--no-tail]
  show-hooks UNIT [--hook NAME] [--last N] [--format tabular|json|yaml]
                                   (the hooks and actions the unit ran: duration, exit code, hook tools called)
  run-hook UNIT update-status|config-changed|secret-changed|ENDPOINT-relation-changed [--wait DURATION] [--format tabular|json|yaml]
                                   (run the hook now, in turn with the unit's others, and show its record; default wait 60s)
  wait-for-idle [--timeout DURATION] [--status active]
  destroy

The state directory is $LOCALMODEL_HOME (default /run/localmodel), or --home.
`

// Main runs the CLI and returns the exit code.
func Main(env Env) int {
	if len(env.Args) < 2 || env.Args[1] == "help" || env.Args[1] == "--help" || env.Args[1] == "-h" {
		fmt.Fprint(env.Stdout, usage)
		return 0
	}
	fn, ok := commands[env.Args[1]]
	if !ok {
		fmt.Fprintf(env.Stderr, "ERROR unrecognized command: localmodel %s\n", env.Args[1])
		return 2
	}
	home := env.Getenv("LOCALMODEL_HOME")
	if home == "" {
		home = "/run/localmodel"
	}
	c := &cmdCtx{env: env, home: home, fs: flags.NewSet()}
	c.fs.Func(func(s string) error { c.home = s; return nil }, "home")
	if err := fn(c, env.Args[2:]); err != nil {
		if errors.Is(err, flags.ErrHelp) {
			fmt.Fprint(env.Stdout, usage)
			return 0
		}
		var ex exitError
		if errors.As(err, &ex) {
			return ex.code
		}
		fmt.Fprintf(env.Stderr, "ERROR %v\n", err)
		return 1
	}
	return 0
}

type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func (c *cmdCtx) client() *http.Client {
	sock := daemon.SocketPath(c.home)
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		},
	}}
}

// call posts a request to the daemon and decodes its result into out.
func (c *cmdCtx) call(path string, req, out any) error {
	return c.callContext(context.Background(), path, req, out)
}

// callContext is call, given up when ctx ends: the daemon then sees the
// connection close and stops waiting on its side too.
func (c *cmdCtx) callContext(ctx context.Context, path string, req, out any) error {
	body, err := json.Marshal(req)
	if err != nil {
		return err
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://localmodel/v1/"+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	hreq.Header.Set("Content-Type", "application/json")
	resp, err := c.client().Do(hreq)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("cannot wait for the model's answer: %w", context.Cause(ctx))
		}
		return fmt.Errorf("cannot reach the model at %s (is it bootstrapped?): %w", c.home, err)
	}
	defer resp.Body.Close()
	var env struct {
		Result json.RawMessage `json:"result"`
		Error  string          `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		return fmt.Errorf("cannot decode answer: %w", err)
	}
	if env.Error != "" {
		return errors.New(env.Error)
	}
	if out != nil && len(env.Result) > 0 {
		return json.Unmarshal(env.Result, out)
	}
	return nil
}

func keyValues(list []string) (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range list {
		k := strings.IndexByte(kv, '=')
		if k <= 0 {
			return nil, fmt.Errorf("expected key=value, got %q", kv)
		}
		out[kv[:k]] = kv[k+1:]
	}
	return out, nil
}

func absIfExists(p string) string {
	if p == "host" {
		return p
	}
	if _, err := os.Stat(p); err == nil {
		if abs, err := filepath.Abs(p); err == nil {
			return abs
		}
	}
	return p
}

func writeYAML(w io.Writer, v any) error {
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return err
	}
	return enc.Close()
}
