// Command buildrock lays out the temporal-server rock as a directory.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/rock"
)

func main() {
	out := flag.String("out", "", "root filesystem `directory` to build")
	module := flag.String("module", ".", "`directory` of the Go module that pins "+rock.ServerModule)
	flag.Parse()
	if err := rock.Build(context.Background(), rock.Options{Out: *out, ModuleDir: *module, Log: os.Stderr}); err != nil {
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		os.Exit(1)
	}
}
