package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/internal/daemon"
	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/model"
)

func run(c *cmdCtx, args []string) error {
	var format, wait string
	c.fs.String(&format, "plain", "format")
	c.fs.String(&wait, "", "wait")
	c.fs.Bool(new(bool), "background")
	c.fs.Bool(new(bool), "string-args")
	pos, err := c.fs.Parse(args)
	if err != nil {
		return err
	}
	if len(pos) < 2 {
		return fmt.Errorf("usage: run UNIT ACTION [key=value ...]")
	}
	params := map[string]any{}
	for _, kv := range pos[2:] {
		k := strings.IndexByte(kv, '=')
		if k <= 0 {
			return fmt.Errorf("argument %q must be of the form key=value", kv)
		}
		var v any
		if err := yaml.Unmarshal([]byte(kv[k+1:]), &v); err != nil || v == nil {
			v = kv[k+1:]
		}
		setDotted(params, strings.Split(kv[:k], "."), v)
	}
	req := daemon.RunRequest{Unit: pos[0], Action: pos[1], Params: params}
	if wait != "" {
		if req.Wait, err = time.ParseDuration(wait); err != nil {
			return fmt.Errorf("invalid --wait: %w", err)
		}
	}
	var res model.ActionResult
	if err := c.call("run", req, &res); err != nil {
		return err
	}
	switch format {
	case "json":
		out := map[string]any{res.Unit: map[string]any{
			"id": res.ID, "unit": res.Unit, "status": res.Status, "message": res.Message,
			"results": res.Results, "log": res.Log,
		}}
		if err := json.NewEncoder(c.env.Stdout).Encode(out); err != nil {
			return err
		}
	case "yaml":
		out := map[string]any{res.Unit: map[string]any{
			"id": res.ID, "status": res.Status, "message": res.Message, "results": res.Results,
		}}
		if err := writeYAML(c.env.Stdout, out); err != nil {
			return err
		}
	default:
		results := map[string]any{}
		for k, v := range res.Results {
			switch k {
			case "return-code", "stdout", "stderr", "stdout-encoding", "stderr-encoding":
				continue
			}
			results[k] = v
		}
		for _, l := range res.Log {
			fmt.Fprintln(c.env.Stderr, l)
		}
		if len(results) > 0 {
			if err := writeYAML(c.env.Stdout, results); err != nil {
				return err
			}
		}
		if s, _ := res.Results["stdout"].(string); s != "" {
			fmt.Fprint(c.env.Stdout, s)
		}
		if s, _ := res.Results["stderr"].(string); s != "" {
			fmt.Fprint(c.env.Stderr, s)
		}
	}
	if res.Status != "completed" {
		fmt.Fprintf(c.env.Stderr, "ERROR action %s on %s %s: %s\n", res.ID, res.Unit, res.Status, res.Message)
		return exitError{1}
	}
	return nil
}

func setDotted(m map[string]any, keys []string, v any) {
	for _, k := range keys[:len(keys)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	m[keys[len(keys)-1]] = v
}
