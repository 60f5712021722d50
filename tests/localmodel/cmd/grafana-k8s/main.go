// Command grafana-k8s is the stand-in Grafana charm's dispatch binary.
package main

import (
	"context"
	"fmt"
	"os"

	grafana "github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/grafana-k8s"
)

func main() {
	if err := grafana.Dispatch(context.Background(), os.Getenv); err != nil {
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		os.Exit(1)
	}
}
