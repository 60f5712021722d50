// Command temporal-admin-k8s is the stand-in admin charm's dispatch binary.
package main

import (
	"context"
	"fmt"
	"os"

	temporaladmin "github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/temporal-admin-k8s"
)

func main() {
	if err := temporaladmin.Dispatch(context.Background(), os.Getenv); err != nil {
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		os.Exit(1)
	}
}
