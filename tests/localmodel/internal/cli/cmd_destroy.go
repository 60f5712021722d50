package cli

import (
	"fmt"
	"os"
	"time"
)

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
