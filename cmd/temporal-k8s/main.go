// Command temporal-k8s is the charm: Juju runs it as dispatch, once per
// event.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/temporal-k8s/temporal-k8s/internal/charm"
)

func main() {
	// The unit agent or the kubelet may end the hook: stop cleanly.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := charm.Main(ctx, os.Getenv); err != nil {
		stop()
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		os.Exit(1)
	}
}
