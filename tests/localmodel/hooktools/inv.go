package hooktools

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/internal/flags"
)

// inv is one command invocation.
type inv struct {
	ctx    Context
	req    Request
	fs     *flags.Set
	stdout bytes.Buffer
	stderr bytes.Buffer
	format string
	output string
}

// formatFlags adds --format (and -o/--output) with the given default.
func (c *inv) formatFlags(def string, allowed ...string) {
	c.format = def
	c.fs.Func(func(s string) error {
		for _, a := range allowed {
			if s == a {
				c.format = s
				return nil
			}
		}
		return fmt.Errorf("unknown format %q", s)
	}, "format")
	c.fs.String(&c.output, "", "o", "output")
}

var allFormats = []string{"smart", "yaml", "json"}

// parse parses flags; argument errors are usage errors.
func (c *inv) parse() ([]string, error) {
	pos, err := c.fs.Parse(c.req.Args)
	if err != nil {
		if errors.Is(err, flags.ErrHelp) {
			return nil, err
		}
		return nil, &usageError{err.Error()}
	}
	return pos, nil
}

// parseAtMost parses the flags and refuses more than n positional
// arguments, as Juju's commands do in Init.
func (c *inv) parseAtMost(n int) ([]string, error) {
	pos, err := c.parse()
	if err != nil {
		return nil, err
	}
	if len(pos) > n {
		return nil, unrecognized(pos[n:])
	}
	return pos, nil
}

func (c *inv) write(v any) error { return write(&c.stdout, c.format, v) }

func unrecognized(args []string) error {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = strconv.Quote(a)
	}
	return usagef("unrecognized args: [%s]", strings.Join(q, " "))
}

// relationFlag adds -r/--relation, defaulting to the hook's relation.
func (c *inv) relationFlag(id *int) {
	*id = -1
	if rid, ok := c.ctx.HookRelation(); ok {
		*id = rid
	}
	c.fs.Func(func(s string) error {
		digits := s
		if k := strings.LastIndex(s, ":"); k >= 0 {
			digits = s[k+1:]
		}
		n, err := strconv.Atoi(digits)
		if err != nil {
			return fmt.Errorf("invalid relation id")
		}
		if _, ok := c.ctx.Relation(n); !ok {
			return fmt.Errorf("relation not found")
		}
		*id = n
		return nil
	}, "r", "relation")
}

func (c *inv) file(path string) ([]byte, error) {
	if path == "-" {
		return c.req.Stdin, nil
	}
	if data, ok := c.req.Files[path]; ok {
		return data, nil
	}
	return nil, fmt.Errorf("open %s: no such file or directory", path)
}

func (c *inv) needRelation(id int) (RelationInfo, error) {
	if id < 0 {
		return RelationInfo{}, usagef("no relation id specified")
	}
	r, ok := c.ctx.Relation(id)
	if !ok {
		return RelationInfo{}, usagef("invalid value \"%d\" for option -r: relation not found", id)
	}
	return r, nil
}

// parseKeyValues parses key=value arguments as Juju's relation-set,
// state-set and leader-set do (github.com/juju/utils/v3/keyvalues.Parse
// with empty values allowed): an empty argument is skipped, key and value
// are trimmed, a key may be given once.
func parseKeyValues(args []string) (map[string]string, error) {
	out := map[string]string{}
	for _, a := range args {
		if a == "" {
			continue
		}
		key, value, ok := strings.Cut(a, "=")
		if !ok {
			return nil, usagef("expected \"key=value\", got %q", a)
		}
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if key == "" {
			return nil, usagef("expected \"key=value\", got \"%s=%s\"", key, value)
		}
		if _, dup := out[key]; dup {
			return nil, usagef("key %q specified more than once", key)
		}
		out[key] = value
	}
	return out, nil
}

// parseYAMLStrings reads a YAML (or JSON) map whose scalar values become
// strings.
func parseYAMLStrings(data []byte) (map[string]string, error) {
	var raw map[string]any
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for k, v := range raw {
		switch v := v.(type) {
		case nil:
			out[k] = ""
		case string:
			out[k] = v
		case bool:
			if v {
				out[k] = "true"
			} else {
				out[k] = "false"
			}
		case int, int64, float64, uint64:
			out[k] = fmt.Sprint(v)
		default:
			return nil, fmt.Errorf("value of %q is not a string", k)
		}
	}
	return out, nil
}

func (c *inv) action() (Action, error) {
	a, err := c.ctx.Action()
	if err != nil {
		return nil, err
	}
	return a, nil
}

// mergeSettings reads a --file of YAML strings and lets key=value
// arguments override it, as relation-set and state-set do.
func (c *inv) mergeSettings(file string, kvs map[string]string, what string) (map[string]string, error) {
	settings := map[string]string{}
	if file != "" {
		data, err := c.file(file)
		if err != nil {
			return nil, err
		}
		fromFile, err := parseYAMLStrings(data)
		if err != nil {
			return nil, fmt.Errorf("cannot parse %s file: %w", what, err)
		}
		for k, v := range fromFile {
			settings[k] = v
		}
	}
	for k, v := range kvs {
		settings[k] = v
	}
	return settings, nil
}
