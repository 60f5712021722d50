package model

import (
	"fmt"
	"maps"
	"strconv"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/internal/charmdir"
)

// parseConfig types raw values per config.yaml.
func parseConfig(ch *charmdir.Charm, raw map[string]string) (map[string]any, error) {
	out := map[string]any{}
	for k, v := range raw {
		opt, ok := ch.Options[k]
		if !ok {
			return nil, fmt.Errorf("unknown option %q", k)
		}
		val, err := typedValue(opt.Type, v)
		if err != nil {
			return nil, fmt.Errorf("option %q expected %s, got %q", k, opt.Type, v)
		}
		out[k] = val
	}
	return out, nil
}

func typedValue(typ, v string) (any, error) {
	switch typ {
	case "int":
		return strconv.ParseInt(v, 10, 64)
	case "float":
		return strconv.ParseFloat(v, 64)
	case "boolean":
		return strconv.ParseBool(v)
	}
	return v, nil
}

// resolvedConfig returns every option's value: user set, else default, else
// nil.
func resolvedConfig(a *application) map[string]any {
	out := map[string]any{}
	for k, opt := range a.charm.Options {
		if v, ok := a.config[k]; ok {
			out[k] = v
			continue
		}
		out[k] = normalizeDefault(opt)
	}
	return out
}

// normalizeDefault makes YAML-decoded defaults the types Juju hands out.
func normalizeDefault(opt charmdir.Option) any {
	switch v := opt.Default.(type) {
	case int:
		if opt.Type == "float" {
			return float64(v)
		}
		return int64(v)
	}
	return opt.Default
}

// SetConfig changes an application's config; reset lists keys to restore
// to their defaults.
func (m *Model) SetConfig(app string, values map[string]string, reset []string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, ok := m.apps[app]
	if !ok {
		return fmt.Errorf("application %q not found", app)
	}
	// key= sets a string option to ""; other types have no empty value,
	// so it restores their default.
	values = maps.Clone(values)
	for k, v := range values {
		if opt, ok := a.charm.Options[k]; ok && v == "" && opt.Type != "string" && opt.Type != "" {
			reset = append(reset, k)
			delete(values, k)
		}
	}
	cfg, err := parseConfig(a.charm, values)
	if err != nil {
		return err
	}
	for _, k := range reset {
		if _, ok := a.charm.Options[k]; !ok {
			return fmt.Errorf("unknown option %q", k)
		}
	}
	for k, v := range cfg {
		a.config[k] = v
	}
	for _, k := range reset {
		delete(a.config, k)
	}
	m.wakeAll()
	return nil
}

// ConfigValue is one option as `juju config APP` shows it.
type ConfigValue struct {
	Type        string `json:"type" yaml:"type"`
	Description string `json:"description,omitempty" yaml:"description,omitempty"`
	Default     any    `json:"default,omitempty" yaml:"default,omitempty"`
	Value       any    `json:"value,omitempty" yaml:"value,omitempty"`
	Source      string `json:"source" yaml:"source"`
}

// Config returns an application's options.
func (m *Model) Config(app string) (map[string]ConfigValue, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, ok := m.apps[app]
	if !ok {
		return nil, fmt.Errorf("application %q not found", app)
	}
	out := map[string]ConfigValue{}
	for k, opt := range a.charm.Options {
		cv := ConfigValue{Type: opt.Type, Description: opt.Description, Default: normalizeDefault(opt), Source: "unset"}
		if opt.Default != nil {
			cv.Value, cv.Source = cv.Default, "default"
		}
		if v, ok := a.config[k]; ok {
			cv.Value, cv.Source = v, "user"
		}
		out[k] = cv
	}
	return out, nil
}
