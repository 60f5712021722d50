// Command buildrock lays out the temporal-server rock, and the temporal-ui
// rock with --ui-out, as directories.
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
	uiOut := flag.String("ui-out", "", "root filesystem `directory` of the temporal-ui rock; not built when empty")
	uiModule := flag.String("ui-module", "../uiserver", "`directory` of the Go module that pins "+rock.UIModule)
	flag.Parse()
	ctx := context.Background()
	if err := rock.Build(ctx, rock.Options{Out: *out, ModuleDir: *module, Log: os.Stderr}); err != nil {
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		os.Exit(1)
	}
	if *uiOut == "" {
		return
	}
	if err := rock.BuildUI(ctx, rock.Options{Out: *uiOut, ModuleDir: *uiModule, Log: os.Stderr}); err != nil {
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		os.Exit(1)
	}
}
