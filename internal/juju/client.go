package juju

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Client calls the hook tools through a Runner. It holds no state of its
// own: every call is one tool invocation.
type Client struct {
	runner Runner
}

// NewClient returns a Client running tools with r.
func NewClient(r Runner) *Client {
	return &Client{runner: r}
}

func (c *Client) run(ctx context.Context, stdin []byte, name string, args ...string) ([]byte, error) {
	return c.runner.Run(ctx, stdin, name, args...)
}

func (c *Client) runJSON(ctx context.Context, v any, name string, args ...string) error {
	out, err := c.run(ctx, nil, name, append(args, "--format=json")...)
	if err != nil {
		return err
	}
	return decodeJSON(out, v, name)
}

// decodeJSON decodes a tool's JSON output into v.
func decodeJSON(out []byte, v any, name string) error {
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		// The output itself may hold relation data or secret content: keep
		// it out of the error, which ends up in the debug log.
		return fmt.Errorf("cannot decode %d bytes of %s output: %w", len(out), name, err)
	}
	return nil
}

// ConfigGet returns every option that is set or has a default. Numbers are
// json.Number so that ints and floats keep their charm types.
func (c *Client) ConfigGet(ctx context.Context) (map[string]any, error) {
	var cfg map[string]any
	if err := c.runJSON(ctx, &cfg, "config-get"); err != nil {
		return nil, err
	}
	if cfg == nil {
		cfg = map[string]any{}
	}
	return cfg, nil
}

// IsLeader reports whether this unit holds the application's leadership.
func (c *Client) IsLeader(ctx context.Context) (bool, error) {
	var leader bool
	err := c.runJSON(ctx, &leader, "is-leader")
	return leader, err
}

// RelationIDs lists the live relations of an endpoint, as "endpoint:N".
func (c *Client) RelationIDs(ctx context.Context, endpoint string) ([]string, error) {
	var ids []string
	err := c.runJSON(ctx, &ids, "relation-ids", endpoint)
	return ids, err
}

// RelationList lists the remote units in a relation.
func (c *Client) RelationList(ctx context.Context, relID string) ([]string, error) {
	var units []string
	err := c.runJSON(ctx, &units, "relation-list", "-r", relID)
	return units, err
}

// RelationApp returns the remote application of a relation.
func (c *Client) RelationApp(ctx context.Context, relID string) (string, error) {
	var app string
	err := c.runJSON(ctx, &app, "relation-list", "-r", relID, "--app")
	return app, err
}

// RelationGet reads the whole databag of target (a unit, or an application
// when app is set) in a relation.
func (c *Client) RelationGet(ctx context.Context, relID, target string, app bool) (map[string]string, error) {
	args := []string{"-r", relID}
	if app {
		args = append(args, "--app")
	}
	args = append(args, "-", target)
	var data map[string]string
	if err := c.runJSON(ctx, &data, "relation-get", args...); err != nil {
		return nil, err
	}
	if data == nil {
		data = map[string]string{}
	}
	return data, nil
}

// RelationSet writes settings to this unit's (or, as leader, this app's)
// databag. An empty value deletes the key. The data goes on stdin.
func (c *Client) RelationSet(ctx context.Context, relID string, app bool, data map[string]string) error {
	args := []string{"-r", relID}
	if app {
		args = append(args, "--app")
	}
	args = append(args, "--file", "-")
	_, err := c.run(ctx, mustYAML(data), "relation-set", args...)
	return err
}

// SecretGet reads a secret's content. With refresh, this unit starts
// tracking the latest revision.
func (c *Client) SecretGet(ctx context.Context, id string, refresh bool) (map[string]string, error) {
	args := []string{id}
	if refresh {
		args = append(args, "--refresh")
	}
	var content map[string]string
	err := c.runJSON(ctx, &content, "secret-get", args...)
	return content, err
}

// SecretGetByLabel reads the latest content of the secret this unit or
// its application owns under label (secret-get --label): ErrNotFound
// when there is none.
func (c *Client) SecretGetByLabel(ctx context.Context, label string) (map[string]string, error) {
	var content map[string]string
	err := c.runJSON(ctx, &content, "secret-get", "--label", label)
	return content, err
}

// mustYAML encodes a map of strings, on which yaml.v3 cannot fail.
func mustYAML(m map[string]string) []byte {
	data, err := yaml.Marshal(m)
	if err != nil {
		panic(fmt.Sprintf("cannot encode a map of strings: %v", err))
	}
	return data
}

// withContentFile writes secret content to a private temporary file for the
// duration of fn, so the values never appear in argv.
func withContentFile(content map[string]string, fn func(path string) error) error {
	dir, err := os.MkdirTemp("", "secret-")
	if err != nil {
		return fmt.Errorf("cannot create secret content file: %w", err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "content.yaml")
	if err := os.WriteFile(path, mustYAML(content), 0o600); err != nil {
		return fmt.Errorf("cannot write secret content file: %w", err)
	}
	return fn(path)
}

// SecretOptions are the optional metadata of a new secret.
type SecretOptions struct {
	Label       string
	Description string
	// Owner is "application" (the default, leader only) or "unit".
	Owner string
	// Expire, when set, is when Juju runs the owner's secret-expired.
	Expire time.Time
}

// SecretAdd creates a secret and returns its URI.
func (c *Client) SecretAdd(ctx context.Context, content map[string]string, opts SecretOptions) (string, error) {
	var uri string
	err := withContentFile(content, func(path string) error {
		args := []string{"--file", path}
		if opts.Label != "" {
			args = append(args, "--label", opts.Label)
		}
		if opts.Description != "" {
			args = append(args, "--description", opts.Description)
		}
		if opts.Owner != "" {
			args = append(args, "--owner", opts.Owner)
		}
		if !opts.Expire.IsZero() {
			args = append(args, "--expire", opts.Expire.UTC().Format(time.RFC3339))
		}
		out, err := c.run(ctx, nil, "secret-add", args...)
		uri = strings.TrimSpace(string(out))
		return err
	})
	return uri, err
}

// SecretSet stores new content in a secret, creating a new revision.
func (c *Client) SecretSet(ctx context.Context, id string, content map[string]string) error {
	return withContentFile(content, func(path string) error {
		_, err := c.run(ctx, nil, "secret-set", id, "--file", path)
		return err
	})
}

// SecretRemove removes a secret this unit manages, every revision of it;
// Juju commits the removal with the hook.
func (c *Client) SecretRemove(ctx context.Context, id string) error {
	_, err := c.run(ctx, nil, "secret-remove", id)
	return err
}

// SecretGrant lets the remote application of a relation read a secret.
func (c *Client) SecretGrant(ctx context.Context, id, relID string) error {
	_, err := c.run(ctx, nil, "secret-grant", id, "-r", relID)
	return err
}

// StateGet reads one key of this unit's state (state-get KEY). ok is false
// when the key has no value: state-get without --strict prints "" (or
// null, or nothing) for a missing key, so an empty value counts as none.
func (c *Client) StateGet(ctx context.Context, key string) (value string, ok bool, err error) {
	const name = "state-get"
	out, err := c.run(ctx, nil, name, key, "--format=json")
	if err != nil {
		return "", false, err
	}
	if len(bytes.TrimSpace(out)) == 0 {
		return "", false, nil
	}
	// null leaves value empty.
	if err := decodeJSON(out, &value, name); err != nil {
		return "", false, err
	}
	return value, value != "", nil
}

// StateSet writes keys of this unit's state; Juju commits them with the
// hook. The values go on stdin, never in argv.
func (c *Client) StateSet(ctx context.Context, values map[string]string) error {
	// state-set --file reads YAML, a map of strings.
	_, err := c.run(ctx, mustYAML(values), "state-set", "--file", "-")
	return err
}

// BindAddress returns the address this unit binds to for an endpoint: on
// Kubernetes, the pod IP.
func (c *Client) BindAddress(ctx context.Context, binding string) (string, error) {
	var addr string
	err := c.runJSON(ctx, &addr, "network-get", binding, "--bind-address")
	return addr, err
}

// GoalStatus is one entry of goal-state.
type GoalStatus struct {
	Status string `json:"status"`
}

// GoalState is what Juju means the unit's world to become: the app's
// units (a dying one has status "dying") and, per endpoint, the remote
// applications and units of every relation the model has, including
// those whose relation-created hook has not reached this unit yet.
type GoalState struct {
	Units     map[string]GoalStatus            `json:"units"`
	Relations map[string]map[string]GoalStatus `json:"relations"`
}

// GoalState reads goal-state.
func (c *Client) GoalState(ctx context.Context) (GoalState, error) {
	var gs GoalState
	err := c.runJSON(ctx, &gs, "goal-state")
	return gs, err
}

// Port is one opened port, e.g. 7233/tcp.
type Port struct {
	Number   int
	Protocol string
}

func (p Port) String() string {
	return fmt.Sprintf("%d/%s", p.Number, p.Protocol)
}

// ParsePort parses "7233/tcp" (the protocol defaults to tcp).
func ParsePort(s string) (Port, error) {
	num, proto, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		proto = "tcp"
	}
	var n int
	if _, err := fmt.Sscanf(num, "%d", &n); err != nil || n < 1 || n > 65535 {
		return Port{}, fmt.Errorf("cannot parse port %q", s)
	}
	return Port{Number: n, Protocol: strings.ToLower(proto)}, nil
}

// OpenedPorts lists the ports this unit has opened.
func (c *Client) OpenedPorts(ctx context.Context) ([]Port, error) {
	var specs []string
	if err := c.runJSON(ctx, &specs, "opened-ports"); err != nil {
		return nil, err
	}
	ports := make([]Port, 0, len(specs))
	for _, s := range specs {
		p, err := ParsePort(s)
		if err != nil {
			return nil, err
		}
		ports = append(ports, p)
	}
	return ports, nil
}

// OpenPort opens one port.
func (c *Client) OpenPort(ctx context.Context, p Port) error {
	_, err := c.run(ctx, nil, "open-port", p.String())
	return err
}

// ClosePort closes one port.
func (c *Client) ClosePort(ctx context.Context, p Port) error {
	_, err := c.run(ctx, nil, "close-port", p.String())
	return err
}

// StatusName is a workload status a charm may set.
type StatusName string

const (
	StatusActive      StatusName = "active"
	StatusBlocked     StatusName = "blocked"
	StatusMaintenance StatusName = "maintenance"
	StatusWaiting     StatusName = "waiting"
)

// Status is a workload status with its message.
type Status struct {
	Name    StatusName
	Message string
}

// StatusSet sets the unit's status, or the application's when app is set
// (leader only).
func (c *Client) StatusSet(ctx context.Context, s Status, app bool) error {
	args := []string{}
	if app {
		args = append(args, "--application")
	}
	// "--" keeps a message starting with "-" from being read as a flag.
	args = append(args, string(s.Name), "--", s.Message)
	_, err := c.run(ctx, nil, "status-set", args...)
	return err
}

// ApplicationVersionSet shows the workload version in juju status.
func (c *Client) ApplicationVersionSet(ctx context.Context, version string) error {
	_, err := c.run(ctx, nil, "application-version-set", "--", version)
	return err
}

// Log level names as juju-log accepts them.
const (
	LogDebug   = "DEBUG"
	LogInfo    = "INFO"
	LogWarning = "WARNING"
	LogError   = "ERROR"
)

// Log writes a message to the unit's debug log.
func (c *Client) Log(ctx context.Context, level, msg string) error {
	_, err := c.run(ctx, nil, "juju-log", "--log-level", level, "--", msg)
	return err
}

// ActionGet returns the running action's parameters.
func (c *Client) ActionGet(ctx context.Context) (map[string]any, error) {
	var params map[string]any
	if err := c.runJSON(ctx, &params, "action-get"); err != nil {
		return nil, err
	}
	if params == nil {
		params = map[string]any{}
	}
	return params, nil
}

// ActionSet adds results to the running action. Keys are sorted so the
// call is deterministic.
func (c *Client) ActionSet(ctx context.Context, results map[string]string) error {
	keys := make([]string, 0, len(results))
	for k := range results {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	args := make([]string, 0, len(keys))
	for _, k := range keys {
		args = append(args, k+"="+results[k])
	}
	_, err := c.run(ctx, nil, "action-set", args...)
	return err
}

// ActionFail marks the running action as failed with a message.
func (c *Client) ActionFail(ctx context.Context, msg string) error {
	_, err := c.run(ctx, nil, "action-fail", "--", msg)
	return err
}

// ActionLog reports progress of the running action.
func (c *Client) ActionLog(ctx context.Context, msg string) error {
	_, err := c.run(ctx, nil, "action-log", "--", msg)
	return err
}
