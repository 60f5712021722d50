package jujutest

import (
	"regexp"
	"strings"
)

// actionGet follows action-get.go: a dotted key walks nested maps; a
// missing one prints null.
func (m *Model) actionGet(argv []string) ([]byte, error) {
	const name = "action-get"
	a, err := parse(name, argv, []string{"format"}, nil)
	if err != nil {
		return nil, err
	}
	if len(a.pos) > 1 {
		return nil, unrecognized(name, a.pos[1:])
	}
	if m.state.ActionParams == nil {
		return nil, failure(name, "not running an action")
	}
	if len(a.pos) == 0 {
		return output(a.flags["format"], m.state.ActionParams)
	}
	var cur any = m.state.ActionParams
	for _, k := range strings.Split(a.pos[0], ".") {
		mp, ok := cur.(map[string]any)
		if !ok {
			return output(a.flags["format"], nil)
		}
		if cur, ok = mp[k]; !ok {
			return output(a.flags["format"], nil)
		}
	}
	return output(a.flags["format"], cur)
}

// actionKeyRE is charm.GetActionNameRule (github.com/juju/charm/v12).
var actionKeyRE = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$`)

// actionSet follows action-set.go: Init checks every key=value argument,
// each dotted part of a key against the action name rule and the
// reserved keys; no argument at all is fine. Run needs an action.
func (m *Model) actionSet(argv []string) ([]byte, error) {
	const name = "action-set"
	a, err := parse(name, argv, nil, nil)
	if err != nil {
		return nil, err
	}
	results := map[string]string{}
	for _, kv := range a.pos {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, usage(name, "argument %q must be of the form key...=value", kv)
		}
		for _, part := range strings.Split(k, ".") {
			if !actionKeyRE.MatchString(part) {
				return nil, usage(name, "key %q must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric and hyphens", part)
			}
			switch part {
			case "stdout", "stdout-encoding", "stderr", "stderr-encoding":
				return nil, usage(name, "cannot set reserved action key \"%s\"", part)
			}
		}
		results[k] = v
	}
	if len(results) == 0 {
		return nil, nil
	}
	if m.state.ActionParams == nil {
		return nil, failure(name, "not running an action")
	}
	for k, v := range results {
		m.results[k] = v
	}
	return nil, nil
}

// actionFail follows action-fail.go.
func (m *Model) actionFail(argv []string) ([]byte, error) {
	const name = "action-fail"
	a, err := parse(name, argv, nil, nil)
	if err != nil {
		return nil, err
	}
	msg := "action failed without reason given, check action for errors"
	if len(a.pos) > 0 {
		msg = a.pos[0]
		if len(a.pos) > 1 {
			return nil, unrecognized(name, a.pos[1:])
		}
	}
	if m.state.ActionParams == nil {
		return nil, failure(name, "not running an action")
	}
	m.failMessage = &msg
	return nil, nil
}

// actionLog follows action-log.go.
func (m *Model) actionLog(argv []string) ([]byte, error) {
	const name = "action-log"
	a, err := parse(name, argv, nil, nil)
	if err != nil {
		return nil, err
	}
	if len(a.pos) == 0 {
		return nil, usage(name, "no message specified")
	}
	if m.state.ActionParams == nil {
		return nil, failure(name, "not running an action")
	}
	return nil, nil
}
