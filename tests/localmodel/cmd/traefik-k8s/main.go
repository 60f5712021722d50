// Command traefik-k8s is the stand-in ingress provider's dispatch binary.
package main

import (
	"context"
	"fmt"
	"os"

	traefik "github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/traefik-k8s"
)

func main() {
	if err := traefik.Dispatch(context.Background(), os.Getenv); err != nil {
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		os.Exit(1)
	}
}
