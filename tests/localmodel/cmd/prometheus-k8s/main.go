// Command prometheus-k8s is the stand-in Prometheus charm's dispatch binary.
package main

import (
	"context"
	"fmt"
	"os"

	prometheus "github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/prometheus-k8s"
)

func main() {
	if err := prometheus.Dispatch(context.Background(), os.Getenv); err != nil {
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		os.Exit(1)
	}
}
