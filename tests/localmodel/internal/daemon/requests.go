package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/model"
)

func decode(r *http.Request, v any) error {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		return fmt.Errorf("cannot decode request: %w", err)
	}
	return nil
}

// DeployRequest is the deploy call.
type DeployRequest struct {
	Charm     string
	App       string
	Config    map[string]string
	Resources map[string]string
	NumUnits  int
}

func (s *server) deploy(r *http.Request) (any, error) {
	var req DeployRequest
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	path, err := s.resolveCharm(req.Charm)
	if err != nil {
		return nil, err
	}
	for k, v := range req.Resources {
		if v != "host" {
			if st, err := os.Stat(v); err != nil || !st.IsDir() {
				return nil, fmt.Errorf("resource %q: %q is neither a directory nor \"host\"", k, v)
			}
		}
	}
	return nil, s.m.Deploy(model.DeployArgs{
		Charm: path, App: req.App, Config: req.Config, Resources: req.Resources,
		NumUnits: req.NumUnits, DefaultResource: s.defaultResource,
	})
}

// resolveCharm finds a charm: a path, or a bare name in the charm
// repository as <name>.charm or <name>/.
func (s *server) resolveCharm(name string) (string, error) {
	if filepath.IsAbs(name) {
		if _, err := os.Stat(name); err != nil {
			return "", fmt.Errorf("cannot find charm: %w", err)
		}
		return name, nil
	}
	if s.opts.Charms != "" && !strings.Contains(name, "/") {
		for _, p := range []string{filepath.Join(s.opts.Charms, name+".charm"), filepath.Join(s.opts.Charms, name)} {
			if st, err := os.Stat(p); err == nil && (st.IsDir() || strings.HasSuffix(p, ".charm")) {
				return p, nil
			}
		}
	}
	return "", fmt.Errorf("charm %q not found (charm repository %q)", name, s.opts.Charms)
}

// defaultResource resolves a resource from <charms>/resources/<name>: an
// image directory, or a file containing "host".
func (s *server) defaultResource(name string) (string, error) {
	if s.opts.Charms == "" {
		return "", fmt.Errorf("resource %q not given and no charm repository", name)
	}
	p := filepath.Join(s.opts.Charms, "resources", name)
	st, err := os.Stat(p)
	if err != nil {
		return "", fmt.Errorf("resource %q not given and not in %s", name, filepath.Dir(p))
	}
	if st.IsDir() {
		return p, nil
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(string(data)) == "host" {
		return "host", nil
	}
	return "", fmt.Errorf("resource %q: %s is neither a directory nor a file saying \"host\"", name, p)
}

// RunRequest is the run call.
type RunRequest struct {
	Unit   string
	Action string
	Params map[string]any
	Wait   time.Duration
}

func (s *server) run(r *http.Request) (any, error) {
	var req RunRequest
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	wait, err := s.m.RunAction(req.Unit, req.Action, req.Params)
	if err != nil {
		return nil, err
	}
	ctx, cancel := waitContext(r.Context(), req.Wait)
	defer cancel()
	res, err := wait(ctx)
	if err != nil && !errors.Is(err, context.Canceled) {
		return nil, err
	}
	return res, err
}

// RunHookRequest is the run-hook call.
type RunHookRequest struct {
	Unit string
	Hook string
	// Wait bounds how long the call waits for the hook's record; zero
	// waits until the caller goes away.
	Wait time.Duration
}

func (s *server) runHook(r *http.Request) (any, error) {
	var req RunHookRequest
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	wait, err := s.m.RunHook(req.Unit, req.Hook)
	if err != nil {
		return nil, err
	}
	// The request's context ends when the caller hangs up, which withdraws
	// a hook that has not started.
	ctx, cancel := waitContext(r.Context(), req.Wait)
	defer cancel()
	return wait(ctx)
}

// waitContext is ctx bounded by wait when wait is positive, else ctx
// itself (with a cancel that does nothing).
func waitContext(ctx context.Context, wait time.Duration) (context.Context, context.CancelFunc) {
	if wait > 0 {
		return context.WithTimeout(ctx, wait)
	}
	return ctx, func() {}
}
