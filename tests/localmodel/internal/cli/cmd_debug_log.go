package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/internal/daemon"
)

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
