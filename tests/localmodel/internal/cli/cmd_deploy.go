package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/internal/daemon"
)

func deploy(c *cmdCtx, args []string) error {
	var configs, resources []string
	var n int
	var ignored string
	var trust bool
	c.fs.StringList(&configs, "config")
	c.fs.StringList(&resources, "resource")
	c.fs.Int(&n, 1, "n", "num-units")
	c.fs.String(&ignored, "", "channel")
	c.fs.String(&ignored, "", "base")
	c.fs.String(&ignored, "", "revision")
	c.fs.Bool(&trust, "trust")
	pos, err := c.fs.Parse(args)
	if err != nil {
		return err
	}
	if len(pos) < 1 || len(pos) > 2 {
		return fmt.Errorf("usage: deploy CHARM [APP]")
	}
	req := daemon.DeployRequest{Charm: pos[0], NumUnits: n, Config: map[string]string{}}
	if strings.Contains(req.Charm, "/") || strings.HasSuffix(req.Charm, ".charm") {
		req.Charm = absIfExists(req.Charm)
	}
	if len(pos) == 2 {
		req.App = pos[1]
	}
	for _, cfg := range configs {
		if !strings.Contains(cfg, "=") {
			fromFile, err := readConfigFile(cfg, req.App, pos[0])
			if err != nil {
				return err
			}
			for k, v := range fromFile {
				req.Config[k] = v
			}
			continue
		}
		kv, err := keyValues([]string{cfg})
		if err != nil {
			return err
		}
		for k, v := range kv {
			req.Config[k] = v
		}
	}
	if req.Resources, err = keyValues(resources); err != nil {
		return err
	}
	for k, v := range req.Resources {
		req.Resources[k] = absIfExists(v)
	}
	if err := c.call("deploy", req, nil); err != nil {
		return err
	}
	name := req.App
	if name == "" {
		name = filepath.Base(strings.TrimSuffix(pos[0], ".charm"))
	}
	fmt.Fprintf(c.env.Stderr, "Deployed %q from local charm %q\n", name, pos[0])
	return nil
}

// readConfigFile reads juju's config YAML: {app: {key: value}}.
func readConfigFile(path, app, charm string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read config file: %w", err)
	}
	var doc map[string]map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("cannot parse config file: %w", err)
	}
	if app == "" {
		app = filepath.Base(strings.TrimSuffix(charm, ".charm"))
	}
	out := map[string]string{}
	for k, v := range doc[app] {
		out[k] = fmt.Sprint(v)
	}
	return out, nil
}
