// Command loki-k8s is the stand-in Loki charm's dispatch binary, and the
// push API receiver it runs in its workload.
package main

import (
	"context"
	"fmt"
	"os"

	loki "github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/loki-k8s"
)

func main() {
	if err := loki.Main(context.Background(), os.Args, os.Getenv); err != nil {
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		os.Exit(1)
	}
}
