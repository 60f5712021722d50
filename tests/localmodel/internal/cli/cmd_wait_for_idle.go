package cli

import (
	"fmt"
	"time"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/model"
)

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
