package cli

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/model"
)

func config(c *cmdCtx, args []string) error {
	var reset []string
	var format string
	c.fs.Func(func(s string) error { reset = append(reset, strings.Split(s, ",")...); return nil }, "reset")
	c.fs.String(&format, "yaml", "format")
	pos, err := c.fs.Parse(args)
	if err != nil {
		return err
	}
	if len(pos) < 1 {
		return fmt.Errorf("no application name specified")
	}
	app := pos[0]
	var sets []string
	var get string
	for _, a := range pos[1:] {
		if strings.Contains(a, "=") {
			sets = append(sets, a)
		} else {
			get = a
		}
	}
	kv, err := keyValues(sets)
	if err != nil {
		return err
	}
	var values map[string]model.ConfigValue
	if err := c.call("config", map[string]any{"App": app, "Set": kv, "Reset": reset}, &values); err != nil {
		return err
	}
	if len(sets) > 0 || len(reset) > 0 {
		return nil
	}
	if get != "" {
		v, ok := values[get]
		if !ok {
			return fmt.Errorf("key %q not found in %q application config or charm settings", get, app)
		}
		if v.Value != nil {
			fmt.Fprintln(c.env.Stdout, v.Value)
		} else {
			fmt.Fprintln(c.env.Stdout)
		}
		return nil
	}
	out := map[string]any{"application": app, "settings": values}
	if format == "json" {
		return json.NewEncoder(c.env.Stdout).Encode(out)
	}
	return writeYAML(c.env.Stdout, out)
}
