package jujutest

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
)

func usage(tool, format string, a ...any) *juju.ToolError {
	return &juju.ToolError{Tool: tool, Code: 2, Stderr: "ERROR " + fmt.Sprintf(format, a...) + "\n"}
}

func failure(tool, format string, a ...any) *juju.ToolError {
	return &juju.ToolError{Tool: tool, Code: 1, Stderr: "ERROR " + fmt.Sprintf(format, a...) + "\n"}
}

// unrecognized is cmd.CheckEmpty's error (github.com/juju/cmd/v3 cmd.go).
func unrecognized(tool string, rest []string) *juju.ToolError {
	return usage(tool, "unrecognized args: %q", rest)
}

// args is a small gnuflag-style parser: flags may follow positionals,
// "--" ends option parsing, "--flag=value" and "--flag value" both work,
// and a flag is called an "option" in errors, as in Juju's hook tools.
type args struct {
	flags map[string]string
	pos   []string
}

// valueCheck validates a valued flag, as a gnuflag.Value's Set does.
type valueCheck func(string) error

func parse(tool string, in []string, valued, boolean []string) (args, error) {
	return parseChecked(tool, in, valued, boolean, nil)
}

func parseChecked(tool string, in []string, valued, boolean []string, checks map[string]valueCheck) (args, error) {
	a := args{flags: map[string]string{}}
	for i := 0; i < len(in); i++ {
		s := in[i]
		if s == "--" {
			a.pos = append(a.pos, in[i+1:]...)
			break
		}
		if !strings.HasPrefix(s, "-") || s == "-" {
			a.pos = append(a.pos, s)
			continue
		}
		long := strings.HasPrefix(s, "--")
		name, val, hasVal := strings.Cut(strings.TrimLeft(s, "-"), "=")
		given := "--" + name
		if !long {
			given = "-" + name
		}
		switch {
		case contains(valued, name):
			if !hasVal {
				if i+1 >= len(in) {
					return a, usage(tool, "option needs an argument: %s", given)
				}
				i++
				val = in[i]
			}
			if check := checks[name]; check != nil {
				if err := check(val); err != nil {
					return a, usage(tool, "invalid value %q for option %s: %v", val, given, err)
				}
			}
			a.flags[name] = val
		case contains(boolean, name):
			a.flags[name] = "true"
		default:
			return a, usage(tool, "option provided but not defined: %s", given)
		}
	}
	return a, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func output(format string, v any) ([]byte, error) {
	if format != "json" {
		return nil, fmt.Errorf("jujutest supports only --format=json, got %q", format)
	}
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// keyValues is github.com/juju/utils/v3/keyvalues.Parse with empty values
// allowed, which relation-set, state-set and leader-set use: empty
// arguments are skipped, keys and values are trimmed, a key may appear
// once.
func keyValues(tool string, src []string) (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range src {
		if kv == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, usage(tool, "expected \"key=value\", got %q", kv)
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if k == "" {
			return nil, usage(tool, "expected \"key=value\", got \"%s=%s\"", k, v)
		}
		if _, dup := out[k]; dup {
			return nil, usage(tool, "key %q specified more than once", k)
		}
		out[k] = v
	}
	return out, nil
}

// readFile reads a --file argument: "-" is stdin.
func readFile(path string, stdin []byte) ([]byte, error) {
	if path == "-" {
		return stdin, nil
	}
	return os.ReadFile(path)
}

// settingsFile reads the YAML map of a *-set tool's --file (relation-set.go,
// readSettings), to be overridden by its key=value arguments.
func settingsFile(tool string, a args, stdin []byte, kvs map[string]string) (map[string]string, error) {
	settings := map[string]string{}
	if f, ok := a.flags["file"]; ok {
		data, err := readFile(f, stdin)
		if err != nil {
			return nil, failure(tool, "%v", err)
		}
		if err := yaml.Unmarshal(data, &settings); err != nil {
			return nil, failure(tool, "%v", err)
		}
		if settings == nil {
			settings = map[string]string{}
		}
	}
	for k, v := range kvs {
		settings[k] = v
	}
	return settings, nil
}
