package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/internal/daemon"
)

// bootstrap starts the model: detached by default, as juju bootstrap
// returns once the controller is up; up runs it in the foreground.
func bootstrap(c *cmdCtx, args []string, detachDefault bool) error {
	var detach, foreground bool
	var opts daemon.Options
	var usi, poll, seed string
	c.fs.Bool(&detach, "detach", "d")
	c.fs.Bool(&foreground, "foreground")
	var cleaned bool
	c.fs.Bool(&cleaned, "cleaned")
	c.fs.String(&opts.Charms, c.env.Getenv("LOCALMODEL_CHARMS"), "charms")
	c.fs.String(&opts.Pebble, c.env.Getenv("LOCALMODEL_PEBBLE"), "pebble")
	c.fs.String(&usi, "5m", "update-status-interval")
	c.fs.String(&poll, "5s", "pebble-poll-interval")
	c.fs.String(&seed, "", "seed")
	c.fs.String(&opts.Elect, "random", "elect")
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
	if seed == "" {
		// Picked here, so that the detached daemon gets it too and the
		// user sees it before anything runs.
		seed = strconv.FormatUint(rand.Uint64()|1, 10)
		args = append(args, "--seed", seed)
	}
	if opts.Seed, err = strconv.ParseUint(seed, 10, 64); err != nil || opts.Seed == 0 {
		return fmt.Errorf("invalid --seed %q: want a positive integer", seed)
	}
	if _, err := daemon.Elector(opts.Elect); err != nil {
		return err
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
	if !cleaned {
		// Elections and relation order follow the seed: a failure can be
		// run again with the same choices.
		fmt.Fprintf(c.env.Stderr, "shuffle seed %d (replay with --seed %d)\n", opts.Seed, opts.Seed)
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
