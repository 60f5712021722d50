package conformance_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
)

// step is one hook-tool call: a raw command line (cmd, split on spaces,
// or argv) run through the juju.Runner, or a call of the charm's
// juju.Client. Its expectation is what Juju 3.6.25 does.
type step struct {
	cmd   string
	argv  []string
	stdin string
	call  func(ctx context.Context, c *juju.Client) (any, error)

	// code is the exit code; out the stdout of a successful tool (for a
	// call, its result as JSON); err the stderr of a failed tool (for a
	// call, the error's text). {name} in any of them, and in the command
	// line, is a fixture variable; "since" times of goal-state read as
	// {since}.
	code int
	out  string
	err  string
	// outRE, if set, replaces out: a regexp the output must match.
	outRE string
	// save keeps the trimmed output (or a call's result) as {save}.
	save string
}

// hook is one hook (or action) of a unit, or a change of the world.
type hook struct {
	unit string
	// action runs the hook as action "do" with these parameters.
	action map[string]any
	// fail makes the charm exit 1 after its steps.
	fail  bool
	steps []step
	// want is how the hook ends: by default a committed hook, or a
	// failed one when fail is set.
	want *outcome
	// publish, instead of a hook, has b/0 publish this content as a new
	// revision of {granted}.
	publish map[string]string
}

type scenario struct {
	name  string
	hooks []hook
}

// transcript is what a backend did in a scenario, with the fixture's
// variables put back as names, so that the two backends can be
// compared.
type transcript []string

var sinceRE = regexp.MustCompile(`\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z`)

type session struct {
	t    *testing.T
	w    world
	vars map[string]string
}

func newSession(t *testing.T, w world) *session {
	// {yaml-file}, {empty-value-file} and {empty-file} are files of
	// secret content on the host, which both backends read the way Juju
	// does: the hook tool, not the charm, opens them.
	s := &session{t: t, w: w, vars: map[string]string{
		"uuid": modelUUID, "ip:a/0": ipA0, "ip:a/1": ipA1, "ip:b/0": ipB0, "missing": missingID,
	}}
	dir := t.TempDir()
	for name, content := range map[string]string{
		"yaml-file": "key: from-file\n", "empty-value-file": "key: \"\"\n", "empty-file": "{}\n",
	} {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
		s.vars[name] = path
	}
	for k, v := range w.vars() {
		s.vars[k] = v
		s.vars[k+"-id"] = v[strings.LastIndexAny(v, ":/")+1:]
	}
	return s
}

func (s *session) expand(str string) string {
	for k, v := range s.vars {
		str = strings.ReplaceAll(str, "{"+k+"}", v)
	}
	return str
}

// normalize puts the variables' names back in place of their values,
// the longest values first, and goal-state's times as {since}.
func (s *session) normalize(str string) string {
	keys := make([]string, 0, len(s.vars))
	for k := range s.vars {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if len(s.vars[keys[i]]) != len(s.vars[keys[j]]) {
			return len(s.vars[keys[i]]) > len(s.vars[keys[j]])
		}
		return keys[i] < keys[j]
	})
	for _, k := range keys {
		if v := s.vars[k]; v != "" {
			str = strings.ReplaceAll(str, v, "{"+k+"}")
		}
	}
	return sinceRE.ReplaceAllString(str, "{since}")
}

// expander puts the fixture's variables into every tool's arguments and
// stdin, for raw command lines and client calls alike.
type expander struct {
	r juju.Runner
	s *session
}

func (e expander) Run(ctx context.Context, stdin []byte, name string, args ...string) ([]byte, error) {
	expanded := make([]string, len(args))
	for i, a := range args {
		expanded[i] = e.s.expand(a)
	}
	if stdin != nil {
		stdin = []byte(e.s.expand(string(stdin)))
	}
	return e.r.Run(ctx, stdin, name, expanded...)
}

// result is what one step did.
type result struct {
	code     int
	out, err string
}

func (s *session) do(r juju.Runner, st step) result {
	ctx := context.Background()
	if st.call != nil {
		v, err := st.call(ctx, juju.NewClient(r))
		if err != nil {
			code := -1
			var te *juju.ToolError
			if errors.As(err, &te) {
				code = te.Code
			}
			return result{code: code, err: err.Error()}
		}
		data, jerr := json.Marshal(v)
		if jerr != nil {
			return result{code: -1, err: jerr.Error()}
		}
		return result{out: string(data)}
	}
	argv := append([]string(nil), st.argv...)
	if st.argv == nil {
		argv = strings.Fields(st.cmd)
	}
	var stdin []byte
	if st.stdin != "" {
		stdin = []byte(st.stdin)
	}
	out, err := r.Run(ctx, stdin, argv[0], argv[1:]...)
	if err != nil {
		var te *juju.ToolError
		if !errors.As(err, &te) {
			return result{code: -1, err: err.Error()}
		}
		return result{code: te.Code, err: te.Stderr}
	}
	return result{out: string(out)}
}

func (st step) String() string {
	if st.call != nil {
		return "client call"
	}
	if st.argv != nil {
		return fmt.Sprintf("%q", st.argv)
	}
	return st.cmd
}

// play runs a scenario and returns its transcript; it checks every step
// against Juju's expected outcome as it goes.
func (s *session) play(sc scenario) transcript {
	t := s.t
	var tr transcript
	for i, h := range sc.hooks {
		if h.publish != nil {
			s.w.publish(t, h.publish)
			tr = append(tr, fmt.Sprintf("publish %v", h.publish))
			continue
		}
		results := make([]result, len(h.steps))
		out := s.w.run(t, h.unit, h.action, func(r juju.Runner) int {
			r = expander{r: r, s: s}
			for j, st := range h.steps {
				results[j] = s.do(r, st)
				if st.save != "" && results[j].code == 0 {
					s.vars[st.save] = strings.TrimSpace(strings.Trim(results[j].out, `"`))
					s.vars[st.save+"-id"] = s.vars[st.save][strings.LastIndexAny(s.vars[st.save], ":/")+1:]
				}
			}
			if h.fail {
				return 1
			}
			return 0
		})
		for j, st := range h.steps {
			got := results[j]
			raw := got.out
			where := fmt.Sprintf("hook %d (%s) step %d: %s", i, h.unit, j, st)
			got.out, got.err = s.normalize(got.out), s.normalize(got.err)
			tr = append(tr, fmt.Sprintf("%s %s: code %d out %q err %q", h.unit, st, got.code, got.out, got.err))
			require.Equal(t, st.err, got.err, "%s: error", where)
			require.Equal(t, st.code, got.code, "%s: exit code", where)
			if st.outRE != "" {
				require.Regexp(t, "^(?:"+s.expand(st.outRE)+")$", raw, "%s: output", where)
			} else {
				require.Equal(t, st.out, got.out, "%s: output", where)
			}
		}
		want := outcome{Committed: !h.fail}
		if h.want != nil {
			want = *h.want
		}
		if h.action == nil {
			out.Results = nil
		}
		data, _ := json.Marshal(out)
		tr = append(tr, fmt.Sprintf("%s ends %s", h.unit, s.normalize(string(data))))
		require.Equal(t, want, out, "hook %d (%s): outcome", i, h.unit)
	}
	return tr
}

func TestConformance(t *testing.T) {
	t.Parallel()
	all := append(append(append([]scenario{}, scenarios...), relationScenarios...), secretScenarios...)
	for _, sc := range all {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			var fake, local transcript
			t.Run("jujutest", func(t *testing.T) {
				fake = newSession(t, newJTWorld()).play(sc)
			})
			t.Run("localmodel", func(t *testing.T) {
				local = newSession(t, newLMWorld(t)).play(sc)
			})
			if fake != nil && local != nil {
				require.Equal(t, fake, local, "jujutest and the local model differ")
			}
		})
	}
}
