// Command temporal-k8s is the charm: Juju runs it as dispatch, once per
// event. Pushed into the workload container as temporal-k8s-health, it is
// the server's Pebble health check, its database passwordCommand and the
// internode proxy.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/temporal-k8s/temporal-k8s/internal/charm"
	"github.com/temporal-k8s/temporal-k8s/internal/grpchealth"
	"github.com/temporal-k8s/temporal-k8s/internal/internodeproxy"
	"github.com/temporal-k8s/temporal-k8s/internal/secretfile"
)

func main() {
	// The unit agent, the kubelet or Pebble may end the process: stop
	// cleanly.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if filepath.Base(os.Args[0]) == grpchealth.Command {
		if secretfile.Is(os.Args[1:]) {
			stop()
			os.Exit(secretfile.Main(os.Args[1:], os.Stdout, os.Stderr))
		}
		if internodeproxy.Is(os.Args[1:]) {
			code := internodeproxy.Main(ctx, os.Args[1:], os.Stderr)
			stop()
			os.Exit(code)
		}
		code := grpchealth.Main(ctx, os.Args[1:], os.Stdout)
		stop()
		os.Exit(code)
	}
	if err := charm.Main(ctx, os.Getenv); err != nil {
		stop()
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		os.Exit(1)
	}
}
