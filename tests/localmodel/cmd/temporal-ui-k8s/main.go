// Command temporal-ui-k8s is the stand-in Temporal UI charm's dispatch binary.
package main

import (
	"context"
	"fmt"
	"os"

	ui "github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/temporal-ui-k8s"
)

func main() {
	if err := ui.Dispatch(context.Background(), os.Getenv); err != nil {
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		os.Exit(1)
	}
}
