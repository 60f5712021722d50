// Command temporal-k8s is the charm: Juju runs it as dispatch, once per
// event.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/temporal-k8s/temporal-k8s/internal/charm"
)

func main() {
	if err := charm.Main(context.Background(), os.Getenv); err != nil {
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		os.Exit(1)
	}
}
