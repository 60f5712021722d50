// Command localmodel runs a local stand-in for a Juju model on Kubernetes.
// The same binary is the hook tools (by the name it is run as) and the
// container helper.
package main

import (
	"os"
	"path/filepath"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/hooktools"
	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/internal/cli"
	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/pod"
)

func main() {
	switch name := filepath.Base(os.Args[0]); {
	case hooktools.IsTool(name):
		os.Exit(hooktools.Main(os.Args, os.Getenv, os.Stdin, os.Stdout, os.Stderr))
	case pod.IsHelper(name):
		os.Exit(pod.HelperMain(os.Args))
	}
	os.Exit(cli.Main(cli.Env{Args: os.Args, Getenv: os.Getenv, Stdout: os.Stdout, Stderr: os.Stderr}))
}
