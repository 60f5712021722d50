// Command self-signed-certificates is the stand-in TLS provider charm's
// dispatch binary.
package main

import (
	"context"
	"fmt"
	"os"

	selfsigned "github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/self-signed-certificates"
)

func main() {
	if err := selfsigned.Dispatch(context.Background(), os.Getenv); err != nil {
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		os.Exit(1)
	}
}
