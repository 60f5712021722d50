// Command postgresql-k8s is the stand-in PostgreSQL charm's dispatch binary.
package main

import (
	"context"
	"fmt"
	"os"

	postgresql "github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/postgresql-k8s"
)

func main() {
	if err := postgresql.Dispatch(context.Background(), os.Getenv); err != nil {
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		os.Exit(1)
	}
}
