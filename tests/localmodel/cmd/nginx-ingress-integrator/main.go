// Command nginx-ingress-integrator is the stand-in nginx-route provider's dispatch binary.
package main

import (
	"context"
	"fmt"
	"os"

	integrator "github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/nginx-ingress-integrator"
)

func main() {
	if err := integrator.Dispatch(context.Background(), os.Getenv); err != nil {
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		os.Exit(1)
	}
}
