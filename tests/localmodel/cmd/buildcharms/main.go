// Command buildcharms packs the stand-in charms into a charm repository.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms"
)

func main() {
	out := flag.String("out", "", "charm repository `directory`; charms land in DIR/<name>.charm")
	module := flag.String("module", ".", "`directory` of the local model's Go module")
	rockDir := flag.String("rock", "", "temporal-server rock `directory`, linked as the default temporal-server-image and temporal-admin-image resources")
	uiRockDir := flag.String("ui-rock", "", "temporal-ui rock `directory`, linked as the default temporal-ui-image resource")
	flag.Parse()
	if err := run(*out, *module, *rockDir, *uiRockDir); err != nil {
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		os.Exit(1)
	}
}

func run(out, module, rockDir, uiRockDir string) error {
	if err := charms.Build(context.Background(), charms.BuildOptions{Out: out, ModuleDir: module, Log: os.Stderr}); err != nil {
		return err
	}
	return charms.WriteResources(out, rockDir, uiRockDir)
}
