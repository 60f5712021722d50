package walkthrough

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// Browser drives a headless Chromium from its command line: the page is
// loaded, its scripts run and fetch until the page is idle (up to the
// virtual time budget), then Chromium prints the DOM or saves a
// screenshot and exits.
type Browser struct {
	// Path is the chromium executable.
	Path string
	// Budget is how much virtual time the page gets to settle; 15 s when
	// zero.
	Budget time.Duration
}

// DOM returns the page's DOM once its scripts have run.
func (b Browser) DOM(ctx context.Context, url string) (string, error) {
	out, err := b.run(ctx, "--dump-dom", url)
	if err != nil {
		return "", err
	}
	return out, nil
}

// Screenshot saves the page, rendered at 1440×900, as a PNG file.
func (b Browser) Screenshot(ctx context.Context, url, file string) error {
	if _, err := b.run(ctx, "--window-size=1440,900", "--hide-scrollbars", "--screenshot="+file, url); err != nil {
		return err
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("chromium saved no screenshot: %w", err)
	}
	if !bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) {
		return fmt.Errorf("chromium's screenshot %s is not a PNG file", file)
	}
	return nil
}

func (b Browser) run(ctx context.Context, args ...string) (string, error) {
	if b.Path == "" {
		return "", errors.New("cannot run a browser: no chromium")
	}
	budget := b.Budget
	if budget == 0 {
		budget = 15 * time.Second
	}
	profile, err := os.MkdirTemp("", "walkthrough-chromium-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(profile)
	ctx, cancel := context.WithTimeout(ctx, budget+90*time.Second)
	defer cancel()
	// Root needs --no-sandbox; a fresh profile per run keeps runs apart.
	argv := append([]string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--no-first-run", "--no-default-browser-check", "--user-data-dir=" + profile,
		fmt.Sprintf("--virtual-time-budget=%d", budget.Milliseconds()),
	}, args...)
	cmd := exec.CommandContext(ctx, b.Path, argv...)
	// Chromium's helpers share its process group: a timeout kills them all.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	// A helper that outlives Chromium and holds its output must not hold
	// the run: Wait gives up on the pipes after this.
	cmd.WaitDelay = 5 * time.Second
	cmd.Dir = profile
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	if cmd.Process != nil {
		// Whatever of the group is left goes with the run.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	if err != nil {
		return "", fmt.Errorf("chromium %s: %w: %s", strings.Join(args, " "), err, lastLines(stderr.String(), 5))
	}
	return stdout.String(), nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
