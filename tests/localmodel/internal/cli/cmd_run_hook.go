package cli

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/internal/daemon"
	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/model"
)

// runHook runs update-status or config-changed on a unit now, the way the
// unit agent runs it on its own, waits for it and prints its record, so a
// hook can be measured in place. A failed hook exits non-zero.
func runHook(c *cmdCtx, args []string) error {
	var wait, format string
	c.fs.String(&wait, "60s", "wait")
	c.fs.String(&format, "tabular", "format")
	pos, err := c.fs.Parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return fmt.Errorf("usage: run-hook UNIT update-status|config-changed|secret-changed|ENDPOINT-relation-changed [--wait DURATION] [--format tabular|json|yaml]")
	}
	unit, hook := pos[0], pos[1]
	// The model refuses the same hooks; refusing here needs no model.
	if err := model.CheckRunHook(hook); err != nil {
		return err
	}
	d, err := time.ParseDuration(wait)
	if err != nil {
		return fmt.Errorf("invalid --wait: %w", err)
	}
	if d <= 0 {
		return fmt.Errorf("invalid --wait %s: must be positive", wait)
	}
	if err := checkHookFormat(format); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The daemon answers when the wait is up; the margin only covers a
	// daemon that does not.
	ctx, cancel := context.WithTimeout(ctx, d+10*time.Second)
	defer cancel()
	var rec model.HookRecord
	req := daemon.RunHookRequest{Unit: unit, Hook: hook, Wait: d}
	if err := c.callContext(ctx, "run-hook", req, &rec); err != nil {
		return fmt.Errorf("cannot run %s on %s: %w", hook, unit, err)
	}
	if err := writeHooks(c.env.Stdout, []model.HookRecord{rec}, format); err != nil {
		return err
	}
	if rec.Failed() {
		return fmt.Errorf("hook %q on %s failed: %s", hook, unit, rec.Error)
	}
	return nil
}
