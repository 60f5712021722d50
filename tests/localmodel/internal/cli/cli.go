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
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/internal/daemon"
	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/internal/flags"
	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/model"
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
	}
}

const usage = `Usage: localmodel COMMAND [options]

A local stand-in for a Juju model on Kubernetes.

Commands:
  bootstrap [--foreground] [--charms DIR] [--pebble BIN] [--update-status-interval D]
  up [--detach] ...                (bootstrap in the foreground; Ctrl-C destroys the model)
  deploy CHARM [APP] [--config k=v]... [--resource name=DIR|host]... [-n N]
  fail-commit UNIT [N]             (fault: the next N hooks that exit 0 fail to commit; default 1)
  relate|integrate A[:endpoint] B[:endpoint]
  remove-relation A[:endpoint] B[:endpoint]
  config APP [key | key=value ...] [--reset key[,key]]
  scale-application APP N
  remove-application APP
  refresh APP [--path CHARM]
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

// bootstrap starts the model: detached by default, as juju bootstrap
// returns once the controller is up; up runs it in the foreground.
func bootstrap(c *cmdCtx, args []string, detachDefault bool) error {
	var detach, foreground bool
	var opts daemon.Options
	var usi, poll string
	c.fs.Bool(&detach, "detach", "d")
	c.fs.Bool(&foreground, "foreground")
	var cleaned bool
	c.fs.Bool(&cleaned, "cleaned")
	c.fs.String(&opts.Charms, c.env.Getenv("LOCALMODEL_CHARMS"), "charms")
	c.fs.String(&opts.Pebble, c.env.Getenv("LOCALMODEL_PEBBLE"), "pebble")
	c.fs.String(&usi, "5m", "update-status-interval")
	c.fs.String(&poll, "5s", "pebble-poll-interval")
	c.fs.String(&opts.ModelName, "localmodel", "model", "m")
	c.fs.String(&opts.Subnet, "10.213.0.0/24", "subnet")
	c.fs.String(&opts.Prefix, "lm", "prefix")
	pos, err := c.fs.Parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("unrecognized args: %q", pos)
	}
	if !c.fs.IsSet("detach") {
		detach = detachDefault
	}
	if foreground {
		detach = false
	}
	if opts.UpdateStatusInterval, err = time.ParseDuration(usi); err != nil {
		return fmt.Errorf("invalid --update-status-interval: %w", err)
	}
	if opts.PebblePollInterval, err = time.ParseDuration(poll); err != nil {
		return fmt.Errorf("invalid --pebble-poll-interval: %w", err)
	}
	if opts.Pebble == "" {
		opts.Pebble = findPebble()
	}
	if opts.Pebble == "" {
		return fmt.Errorf("cannot find pebble: use --pebble or $LOCALMODEL_PEBBLE")
	}
	for _, p := range []*string{&opts.Pebble, &opts.Charms} {
		if *p != "" {
			if abs, err := filepath.Abs(*p); err == nil {
				*p = abs
			}
		}
	}
	opts.Home = c.home
	if c.alive() {
		return fmt.Errorf("a model is already running at %s; destroy it first", c.home)
	}
	if !cleaned {
		if err := c.teardownLeftovers(); err != nil {
			return err
		}
	}
	if detach {
		return c.detach(args)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Fprintf(c.env.Stderr, "model %q running at %s; Ctrl-C destroys it\n", opts.ModelName, c.home)
	return daemon.Run(ctx, opts)
}

func findPebble() string {
	if self, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(self), "pebble")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("pebble"); err == nil {
		return p
	}
	return ""
}

// alive reports whether a daemon answers at home.
func (c *cmdCtx) alive() bool {
	client := c.client()
	client.Timeout = 2 * time.Second
	resp, err := client.Get("http://localmodel/v1/status")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return true
}

// teardownLeftovers cleans up after a model that did not shut down:
// its daemon, pods, network and state directory.
func (c *cmdCtx) teardownLeftovers() error {
	if data, err := os.ReadFile(daemon.PIDPath(c.home)); err == nil {
		if pid, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil && pid != os.Getpid() && isLocalmodel(pid) {
			syscall.Kill(pid, syscall.SIGKILL)
			time.Sleep(200 * time.Millisecond)
		}
	}
	// Without the options of a model that ran here, nothing is known to
	// be ours to clean up: another model may use the default prefix.
	data, err := os.ReadFile(daemon.OptionsPath(c.home))
	if err != nil {
		if err := os.RemoveAll(c.home); err != nil {
			return fmt.Errorf("cannot remove state directory: %w", err)
		}
		return nil
	}
	var o daemon.Options
	if err := json.Unmarshal(data, &o); err != nil || o.Prefix == "" {
		return fmt.Errorf("cannot read %s; remove the model by hand", daemon.OptionsPath(c.home))
	}
	return daemon.Teardown(context.Background(), c.home, o.Prefix)
}

func isLocalmodel(pid int) bool {
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	if err != nil {
		return false
	}
	self, _ := os.Executable()
	return filepath.Base(exe) == filepath.Base(self) || strings.Contains(filepath.Base(exe), "localmodel")
}

func (c *cmdCtx) detach(args []string) error {
	var rest []string
	for _, a := range args {
		if a != "--detach" && a != "-d" && !strings.HasPrefix(a, "--detach=") {
			rest = append(rest, a)
		}
	}
	if err := os.MkdirAll(c.home, 0o755); err != nil {
		return err
	}
	logf, err := os.OpenFile(filepath.Join(c.home, "daemon.log"), os.O_CREATE|os.O_RDWR|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	self, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.Command(self, append([]string{"up", "--cleaned", "--home", c.home}, rest...)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = os.Environ()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("cannot start daemon: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if c.alive() {
			fmt.Fprintf(c.env.Stdout, "model running at %s (pid %d)\n", c.home, cmd.Process.Pid)
			return nil
		}
		select {
		case err := <-exited:
			// Read through the descriptor: a failed start removes the
			// state directory, log included.
			logf.Seek(0, io.SeekStart)
			data, _ := io.ReadAll(logf)
			return fmt.Errorf("daemon exited (%v):\n%s", err, data)
		case <-time.After(200 * time.Millisecond):
		}
	}
	return fmt.Errorf("daemon did not answer within 60s; see %s", filepath.Join(c.home, "daemon.log"))
}

func destroy(c *cmdCtx, args []string) error {
	var yes, noPrompt bool
	c.fs.Bool(&yes, "y", "yes")
	c.fs.Bool(&noPrompt, "no-prompt")
	c.fs.Bool(&noPrompt, "force")
	c.fs.Bool(&noPrompt, "destroy-storage")
	if _, err := c.fs.Parse(args); err != nil {
		return err
	}
	if c.alive() {
		if err := c.call("destroy", struct{}{}, nil); err != nil {
			return err
		}
		for i := 0; i < 600; i++ {
			if _, err := os.Stat(c.home); os.IsNotExist(err) {
				fmt.Fprintln(c.env.Stdout, "model destroyed")
				return nil
			}
			time.Sleep(200 * time.Millisecond)
		}
		return fmt.Errorf("model did not finish tearing down; run destroy again")
	}
	if err := c.teardownLeftovers(); err != nil {
		return err
	}
	fmt.Fprintln(c.env.Stdout, "model destroyed")
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

func deploy(c *cmdCtx, args []string) error {
	var configs, resources []string
	var n int
	var ignored string
	var trust bool
	c.fs.StringList(&configs, "config")
	c.fs.StringList(&resources, "resource")
	c.fs.Int(&n, 1, "n", "num-units")
	c.fs.String(&ignored, "", "channel")
	c.fs.String(&ignored, "", "base")
	c.fs.String(&ignored, "", "revision")
	c.fs.Bool(&trust, "trust")
	pos, err := c.fs.Parse(args)
	if err != nil {
		return err
	}
	if len(pos) < 1 || len(pos) > 2 {
		return fmt.Errorf("usage: deploy CHARM [APP]")
	}
	req := daemon.DeployRequest{Charm: pos[0], NumUnits: n, Config: map[string]string{}}
	if strings.Contains(req.Charm, "/") || strings.HasSuffix(req.Charm, ".charm") {
		req.Charm = absIfExists(req.Charm)
	}
	if len(pos) == 2 {
		req.App = pos[1]
	}
	for _, cfg := range configs {
		if !strings.Contains(cfg, "=") {
			fromFile, err := readConfigFile(cfg, req.App, pos[0])
			if err != nil {
				return err
			}
			for k, v := range fromFile {
				req.Config[k] = v
			}
			continue
		}
		kv, err := keyValues([]string{cfg})
		if err != nil {
			return err
		}
		for k, v := range kv {
			req.Config[k] = v
		}
	}
	if req.Resources, err = keyValues(resources); err != nil {
		return err
	}
	for k, v := range req.Resources {
		req.Resources[k] = absIfExists(v)
	}
	if err := c.call("deploy", req, nil); err != nil {
		return err
	}
	name := req.App
	if name == "" {
		name = filepath.Base(strings.TrimSuffix(pos[0], ".charm"))
	}
	fmt.Fprintf(c.env.Stderr, "Deployed %q from local charm %q\n", name, pos[0])
	return nil
}

// readConfigFile reads juju's config YAML: {app: {key: value}}.
func readConfigFile(path, app, charm string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read config file: %w", err)
	}
	var doc map[string]map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("cannot parse config file: %w", err)
	}
	if app == "" {
		app = filepath.Base(strings.TrimSuffix(charm, ".charm"))
	}
	out := map[string]string{}
	for k, v := range doc[app] {
		out[k] = fmt.Sprint(v)
	}
	return out, nil
}

func twoEndpoints(c *cmdCtx, args []string) (string, string, error) {
	pos, err := c.fs.Parse(args)
	if err != nil {
		return "", "", err
	}
	if len(pos) != 2 {
		return "", "", fmt.Errorf("a relation must involve two applications")
	}
	return pos[0], pos[1], nil
}

func relate(c *cmdCtx, args []string) error {
	a, b, err := twoEndpoints(c, args)
	if err != nil {
		return err
	}
	return c.call("relate", map[string]string{"A": a, "B": b}, nil)
}

func removeRelation(c *cmdCtx, args []string) error {
	var force bool
	c.fs.Bool(&force, "force")
	a, b, err := twoEndpoints(c, args)
	if err != nil {
		return err
	}
	return c.call("remove-relation", map[string]string{"A": a, "B": b}, nil)
}

func config(c *cmdCtx, args []string) error {
	var reset []string
	var format string
	c.fs.Func(func(s string) error { reset = append(reset, strings.Split(s, ",")...); return nil }, "reset")
	c.fs.String(&format, "yaml", "format")
	pos, err := c.fs.Parse(args)
	if err != nil {
		return err
	}
	if len(pos) < 1 {
		return fmt.Errorf("no application name specified")
	}
	app := pos[0]
	var sets []string
	var get string
	for _, a := range pos[1:] {
		if strings.Contains(a, "=") {
			sets = append(sets, a)
		} else {
			get = a
		}
	}
	kv, err := keyValues(sets)
	if err != nil {
		return err
	}
	var values map[string]model.ConfigValue
	if err := c.call("config", map[string]any{"App": app, "Set": kv, "Reset": reset}, &values); err != nil {
		return err
	}
	if len(sets) > 0 || len(reset) > 0 {
		return nil
	}
	if get != "" {
		v, ok := values[get]
		if !ok {
			return fmt.Errorf("key %q not found in %q application config or charm settings", get, app)
		}
		if v.Value != nil {
			fmt.Fprintln(c.env.Stdout, v.Value)
		} else {
			fmt.Fprintln(c.env.Stdout)
		}
		return nil
	}
	out := map[string]any{"application": app, "settings": values}
	if format == "json" {
		return json.NewEncoder(c.env.Stdout).Encode(out)
	}
	return writeYAML(c.env.Stdout, out)
}

func writeYAML(w io.Writer, v any) error {
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return err
	}
	return enc.Close()
}

func scale(c *cmdCtx, args []string) error {
	n := -1
	c.fs.Int(&n, -1, "n", "num-units")
	pos, err := c.fs.Parse(args)
	if err != nil {
		return err
	}
	if len(pos) == 2 && n < 0 {
		if n, err = strconv.Atoi(pos[1]); err != nil {
			return fmt.Errorf("invalid scale %q", pos[1])
		}
		pos = pos[:1]
	}
	if len(pos) != 1 || n < 0 {
		return fmt.Errorf("usage: scale-application APP N")
	}
	if err := c.call("scale", map[string]any{"App": pos[0], "N": n}, nil); err != nil {
		return err
	}
	fmt.Fprintf(c.env.Stdout, "%s scale changed to %d\n", pos[0], n)
	return nil
}

func removeApplication(c *cmdCtx, args []string) error {
	var force, noWait, destroyStorage bool
	c.fs.Bool(&force, "force")
	c.fs.Bool(&noWait, "no-wait")
	c.fs.Bool(&destroyStorage, "destroy-storage")
	pos, err := c.fs.Parse(args)
	if err != nil {
		return err
	}
	for _, app := range pos {
		if err := c.call("remove-application", map[string]string{"App": app}, nil); err != nil {
			return err
		}
		fmt.Fprintf(c.env.Stderr, "will remove application %s\n", app)
	}
	return nil
}

func refresh(c *cmdCtx, args []string) error {
	var path, ignored string
	c.fs.String(&path, "", "path")
	c.fs.String(&ignored, "", "channel")
	c.fs.StringList(new([]string), "resource")
	pos, err := c.fs.Parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("usage: refresh APP [--path CHARM]")
	}
	if path != "" && (strings.Contains(path, "/") || strings.HasSuffix(path, ".charm")) {
		path = absIfExists(path)
	}
	return c.call("refresh", map[string]string{"App": pos[0], "Path": path}, nil)
}

func resolved(c *cmdCtx, args []string) error {
	var noRetry bool
	c.fs.Bool(&noRetry, "no-retry")
	pos, err := c.fs.Parse(args)
	if err != nil {
		return err
	}
	for _, u := range pos {
		if err := c.call("resolved", map[string]any{"Unit": u, "NoRetry": noRetry}, nil); err != nil {
			return err
		}
	}
	return nil
}

func status(c *cmdCtx, args []string) error {
	var format, watch string
	var relations bool
	c.fs.String(&format, "tabular", "format")
	c.fs.String(&watch, "", "watch")
	c.fs.Bool(&relations, "relations")
	c.fs.Bool(new(bool), "color")
	pos, err := c.fs.Parse(args)
	if err != nil {
		return err
	}
	print := func() error {
		var st model.Status
		if err := c.call("status", struct{}{}, &st); err != nil {
			return err
		}
		filterStatus(&st, pos)
		switch format {
		case "json":
			return json.NewEncoder(c.env.Stdout).Encode(st)
		case "yaml":
			var generic any
			data, _ := json.Marshal(st)
			json.Unmarshal(data, &generic)
			return writeYAML(c.env.Stdout, generic)
		case "tabular":
			return writeTabular(c.env.Stdout, st, relations, time.Now())
		}
		return fmt.Errorf("unknown format %q", format)
	}
	if watch == "" {
		return print()
	}
	d, err := time.ParseDuration(watch)
	if err != nil {
		return fmt.Errorf("invalid --watch: %w", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	for {
		fmt.Fprint(c.env.Stdout, "\033[H\033[2J")
		if err := print(); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(d):
		}
	}
}

// filterStatus keeps only the applications (or units' applications) named.
func filterStatus(st *model.Status, patterns []string) {
	if len(patterns) == 0 {
		return
	}
	keep := map[string]bool{}
	for _, p := range patterns {
		keep[strings.SplitN(p, "/", 2)[0]] = true
	}
	for name := range st.Applications {
		if !keep[name] {
			delete(st.Applications, name)
		}
	}
}

func writeTabular(w io.Writer, st model.Status, relations bool, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 1, 2, ' ', 0)
	fmt.Fprintln(tw, "Model\tController\tCloud/Region\tVersion\tSLA\tTimestamp")
	fmt.Fprintf(tw, "%s\t%s\t%s/%s\t%s\t%s\t%s\n", st.Model.Name, st.Model.Controller, st.Model.Cloud, st.Model.Region, st.Model.Version, st.Model.SLA, now.Format("15:04:05Z07:00"))
	tw.Flush()
	if len(st.Applications) == 0 {
		fmt.Fprintln(w, "\nModel \""+st.Model.Name+"\" is empty.")
		return nil
	}
	fmt.Fprintln(w)
	apps := make([]string, 0, len(st.Applications))
	for name := range st.Applications {
		apps = append(apps, name)
	}
	sort.Strings(apps)
	tw = tabwriter.NewWriter(w, 0, 1, 2, ' ', 0)
	fmt.Fprintln(tw, "App\tVersion\tStatus\tScale\tCharm\tChannel\tRev\tAddress\tExposed\tMessage")
	for _, name := range apps {
		a := st.Applications[name]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t\t%d\t%s\tno\t%s\n", name, a.Version, a.ApplicationStatus.Current, a.Scale, a.Charm, a.CharmRev, a.Address, a.ApplicationStatus.Message)
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 1, 2, ' ', 0)
	fmt.Fprintln(tw, "Unit\tWorkload\tAgent\tAddress\tPorts\tMessage")
	for _, name := range apps {
		a := st.Applications[name]
		units := make([]string, 0, len(a.Units))
		for u := range a.Units {
			units = append(units, u)
		}
		sort.Slice(units, func(i, j int) bool { return unitLess(units[i], units[j]) })
		for _, un := range units {
			u := a.Units[un]
			label := un
			if u.Leader {
				label += "*"
			}
			agent := u.JujuStatus.Current
			msg := u.WorkloadStatus.Message
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", label, u.WorkloadStatus.Current, agent, u.Address, strings.Join(u.OpenPorts, ","), msg)
		}
	}
	tw.Flush()
	if relations && len(st.Relations) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 1, 2, ' ', 0)
		fmt.Fprintln(tw, "Integration provider\tRequirer\tInterface\tType\tMessage")
		for _, r := range st.Relations {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t\n", r.Provider, r.Requirer, r.Interface, r.Type)
		}
		tw.Flush()
	}
	return nil
}

func unitLess(a, b string) bool {
	ia, na := splitUnit(a)
	ib, nb := splitUnit(b)
	if ia != ib {
		return ia < ib
	}
	return na < nb
}

func splitUnit(s string) (string, int) {
	k := strings.LastIndexByte(s, '/')
	if k < 0 {
		return s, 0
	}
	n, _ := strconv.Atoi(s[k+1:])
	return s[:k], n
}

func run(c *cmdCtx, args []string) error {
	var format, wait string
	c.fs.String(&format, "plain", "format")
	c.fs.String(&wait, "", "wait")
	c.fs.Bool(new(bool), "background")
	c.fs.Bool(new(bool), "string-args")
	pos, err := c.fs.Parse(args)
	if err != nil {
		return err
	}
	if len(pos) < 2 {
		return fmt.Errorf("usage: run UNIT ACTION [key=value ...]")
	}
	params := map[string]any{}
	for _, kv := range pos[2:] {
		k := strings.IndexByte(kv, '=')
		if k <= 0 {
			return fmt.Errorf("argument %q must be of the form key=value", kv)
		}
		var v any
		if err := yaml.Unmarshal([]byte(kv[k+1:]), &v); err != nil || v == nil {
			v = kv[k+1:]
		}
		setDotted(params, strings.Split(kv[:k], "."), v)
	}
	req := daemon.RunRequest{Unit: pos[0], Action: pos[1], Params: params}
	if wait != "" {
		if req.Wait, err = time.ParseDuration(wait); err != nil {
			return fmt.Errorf("invalid --wait: %w", err)
		}
	}
	var res model.ActionResult
	if err := c.call("run", req, &res); err != nil {
		return err
	}
	switch format {
	case "json":
		out := map[string]any{res.Unit: map[string]any{
			"id": res.ID, "unit": res.Unit, "status": res.Status, "message": res.Message,
			"results": res.Results, "log": res.Log,
		}}
		if err := json.NewEncoder(c.env.Stdout).Encode(out); err != nil {
			return err
		}
	case "yaml":
		out := map[string]any{res.Unit: map[string]any{
			"id": res.ID, "status": res.Status, "message": res.Message, "results": res.Results,
		}}
		if err := writeYAML(c.env.Stdout, out); err != nil {
			return err
		}
	default:
		results := map[string]any{}
		for k, v := range res.Results {
			switch k {
			case "return-code", "stdout", "stderr", "stdout-encoding", "stderr-encoding":
				continue
			}
			results[k] = v
		}
		for _, l := range res.Log {
			fmt.Fprintln(c.env.Stderr, l)
		}
		if len(results) > 0 {
			if err := writeYAML(c.env.Stdout, results); err != nil {
				return err
			}
		}
		if s, _ := res.Results["stdout"].(string); s != "" {
			fmt.Fprint(c.env.Stdout, s)
		}
		if s, _ := res.Results["stderr"].(string); s != "" {
			fmt.Fprint(c.env.Stderr, s)
		}
	}
	if res.Status != "completed" {
		fmt.Fprintf(c.env.Stderr, "ERROR action %s on %s %s: %s\n", res.ID, res.Unit, res.Status, res.Message)
		return exitError{1}
	}
	return nil
}

func setDotted(m map[string]any, keys []string, v any) {
	for _, k := range keys[:len(keys)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	m[keys[len(keys)-1]] = v
}

func debugLog(c *cmdCtx, args []string) error {
	var replay, noTail bool
	var includes []string
	var lines int
	c.fs.Bool(&replay, "replay")
	c.fs.Bool(&noTail, "no-tail")
	c.fs.StringList(&includes, "include", "i")
	c.fs.Int(&lines, 10, "lines", "n")
	if _, err := c.fs.Parse(args); err != nil {
		return err
	}
	f, err := os.Open(daemon.LogPath(c.home))
	if err != nil {
		return fmt.Errorf("cannot open debug log: %w", err)
	}
	defer f.Close()
	match := func(line string) bool {
		if len(includes) == 0 {
			return true
		}
		entity := line
		if k := strings.IndexByte(line, ':'); k >= 0 {
			entity = line[:k]
		}
		for _, inc := range includes {
			tag := "unit-" + strings.ReplaceAll(inc, "/", "-")
			if entity == inc || entity == tag {
				return true
			}
			if !strings.Contains(inc, "/") && strings.HasPrefix(entity, "unit-"+inc+"-") {
				rest := strings.TrimPrefix(entity, "unit-"+inc+"-")
				if _, err := strconv.Atoi(rest); err == nil {
					return true
				}
			}
		}
		return false
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return err
	}
	var selected []string
	for _, l := range strings.Split(string(data), "\n") {
		if l != "" && match(l) {
			selected = append(selected, l)
		}
	}
	if !replay && len(selected) > lines {
		selected = selected[len(selected)-lines:]
	}
	for _, l := range selected {
		fmt.Fprintln(c.env.Stdout, l)
	}
	if noTail {
		return nil
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var partial string
	buf := make([]byte, 64*1024)
	for {
		n, err := f.Read(buf)
		if n > 0 {
			chunk := partial + string(buf[:n])
			parts := strings.Split(chunk, "\n")
			partial = parts[len(parts)-1]
			for _, l := range parts[:len(parts)-1] {
				if match(l) {
					fmt.Fprintln(c.env.Stdout, l)
				}
			}
			continue
		}
		if err != nil && err != io.EOF {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// waitIdle waits until every unit is idle and, with --status, every unit's
// workload has that status: a convenience for scripts.
func waitIdle(c *cmdCtx, args []string) error {
	var timeout, want string
	c.fs.String(&timeout, "10m", "timeout")
	c.fs.String(&want, "", "status")
	pos, err := c.fs.Parse(args)
	if err != nil {
		return err
	}
	d, err := time.ParseDuration(timeout)
	if err != nil {
		return fmt.Errorf("invalid --timeout: %w", err)
	}
	deadline := time.Now().Add(d)
	stable := 0
	for {
		var st model.Status
		if err := c.call("status", struct{}{}, &st); err != nil {
			return err
		}
		filterStatus(&st, pos)
		if settled(st, want) {
			stable++
			if stable >= 3 {
				return nil
			}
		} else {
			stable = 0
		}
		if time.Now().After(deadline) {
			writeTabular(c.env.Stderr, st, false, time.Now())
			return fmt.Errorf("model did not settle within %s", d)
		}
		time.Sleep(time.Second)
	}
}

func settled(st model.Status, want string) bool {
	for _, a := range st.Applications {
		if len(a.Units) == 0 {
			return false
		}
		for _, u := range a.Units {
			if u.JujuStatus.Current != "idle" {
				return false
			}
			if want != "" && u.WorkloadStatus.Current != want {
				return false
			}
		}
	}
	return true
}
