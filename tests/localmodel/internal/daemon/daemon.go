// Package daemon runs a local model and serves the localmodel CLI over a
// unix socket in the model's state directory.
package daemon

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/model"
	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/pod"
)

// Options configure the daemon.
type Options struct {
	Home                 string
	Charms               string
	Pebble               string
	ModelName            string
	Prefix               string
	Subnet               string
	UpdateStatusInterval time.Duration
	PebblePollInterval   time.Duration
	// Seed seeds elections and relation order (model.Config.Seed).
	Seed uint64
	// Elect is "random" (or empty), "lowest" or "highest": which unit
	// wins an election that Juju leaves to whichever claim lands first.
	// A scenario that removes a leader needs it highest, the one unit a
	// k8s remove-unit can take.
	Elect string
}

// Elector returns the election policy Options.Elect names.
func Elector(name string) (func([]string) string, error) {
	switch name {
	case "", "random":
		return nil, nil
	case "lowest":
		return model.ElectLowest, nil
	case "highest":
		return model.ElectHighest, nil
	}
	return nil, fmt.Errorf("invalid --elect %q: want random, lowest or highest", name)
}

// SocketPath is the daemon's API socket.
func SocketPath(home string) string { return filepath.Join(home, "localmodel.socket") }

// PIDPath holds the daemon's process id.
func PIDPath(home string) string { return filepath.Join(home, "daemon.pid") }

// LogPath is the debug log.
func LogPath(home string) string { return filepath.Join(home, "debug.log") }

// OptionsPath records the options the daemon was started with, so that a
// later destroy can clean up after a crash.
func OptionsPath(home string) string { return filepath.Join(home, "options.json") }

// Run runs the model until ctx ends or the CLI asks to destroy it, then
// tears everything down.
func Run(ctx context.Context, opts Options) error {
	if opts.Prefix == "" {
		opts.Prefix = "lm"
	}
	if opts.ModelName == "" {
		opts.ModelName = "localmodel"
	}
	if err := os.MkdirAll(opts.Home, 0o755); err != nil {
		return fmt.Errorf("cannot create state directory: %w", err)
	}
	if err := os.WriteFile(PIDPath(opts.Home), []byte(fmt.Sprint(os.Getpid())), 0o644); err != nil {
		return fmt.Errorf("cannot record daemon pid: %w", err)
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("cannot find own executable: %w", err)
	}
	// Pods use copies, so rebuilding either binary while the model runs
	// cannot break a hook or a container start.
	bin := filepath.Join(opts.Home, "bin")
	if self, err = copyExecutable(self, filepath.Join(bin, "jujuc")); err != nil {
		return err
	}
	pebble, err := copyExecutable(opts.Pebble, filepath.Join(bin, "pebble"))
	if err != nil {
		return err
	}
	mgr, err := pod.NewManager(ctx, pod.Config{
		StateDir: opts.Home, Prefix: opts.Prefix, Subnet: opts.Subnet, Pebble: pebble, Self: self,
	})
	if err != nil {
		os.RemoveAll(opts.Home)
		return err
	}
	// Recorded only now: destroy cleans up by this prefix, which must not
	// touch a model that made NewManager refuse.
	data, _ := json.Marshal(opts)
	if err := os.WriteFile(OptionsPath(opts.Home), data, 0o644); err != nil {
		return fmt.Errorf("cannot record options: %w", err)
	}
	logf, err := os.OpenFile(LogPath(opts.Home), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("cannot open debug log: %w", err)
	}
	defer logf.Close()
	elect, err := Elector(opts.Elect)
	if err != nil {
		return err
	}
	m, err := model.New(model.Config{
		Name: opts.ModelName, StateDir: opts.Home, Backend: mgr, Log: logf,
		UpdateStatusInterval: opts.UpdateStatusInterval, PebblePollInterval: opts.PebblePollInterval,
		Seed: opts.Seed, Elect: elect,
	})
	if err != nil {
		return err
	}
	os.Remove(SocketPath(opts.Home))
	l, err := net.Listen("unix", SocketPath(opts.Home))
	if err != nil {
		return fmt.Errorf("cannot listen: %w", err)
	}
	destroy := make(chan struct{})
	s := &server{m: m, opts: opts, destroy: destroy}
	srv := &http.Server{Handler: s.routes()}
	go srv.Serve(l)
	fmt.Fprintf(logf, "model: %s INFO juju.model model %q (%s) is up, pods on %s\n", time.Now().Format("15:04:05"), opts.ModelName, m.UUID(), mgr.Bridge())
	select {
	case <-ctx.Done():
	case <-destroy:
	}
	m.Close()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	srv.Shutdown(shutdownCtx)
	cancel()
	return Teardown(context.Background(), opts.Home, opts.Prefix)
}

func copyExecutable(src, dest string) (string, error) {
	in, err := os.Open(src)
	if err != nil {
		return "", fmt.Errorf("cannot copy executable: %w", err)
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return "", fmt.Errorf("cannot copy executable: %w", err)
	}
	out, err := os.OpenFile(dest, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		return "", fmt.Errorf("cannot copy executable: %w", err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return "", fmt.Errorf("cannot copy executable: %w", err)
	}
	if err := out.Close(); err != nil {
		return "", fmt.Errorf("cannot copy executable: %w", err)
	}
	return dest, nil
}

// Teardown removes everything a model left under home: pods, network,
// mounts and the state directory.
func Teardown(ctx context.Context, home, prefix string) error {
	if err := pod.Cleanup(ctx, home, prefix, nil); err != nil {
		return err
	}
	if err := os.RemoveAll(home); err != nil {
		return fmt.Errorf("cannot remove state directory: %w", err)
	}
	return nil
}

type server struct {
	m       *model.Model
	opts    Options
	destroy chan struct{}
}

func (s *server) routes() http.Handler {
	mux := http.NewServeMux()
	handle := func(path string, fn func(r *http.Request) (any, error)) {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			res, err := fn(r)
			w.Header().Set("Content-Type", "application/json")
			if err != nil {
				w.WriteHeader(http.StatusBadRequest)
				json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
				return
			}
			json.NewEncoder(w).Encode(map[string]any{"result": res})
		})
	}
	handle("/v1/status", func(r *http.Request) (any, error) { return s.m.Status(), nil })
	handle("/v1/deploy", s.deploy)
	handle("/v1/relate", func(r *http.Request) (any, error) {
		var req struct{ A, B string }
		if err := decode(r, &req); err != nil {
			return nil, err
		}
		return s.m.Relate(req.A, req.B)
	})
	handle("/v1/remove-relation", func(r *http.Request) (any, error) {
		var req struct{ A, B string }
		if err := decode(r, &req); err != nil {
			return nil, err
		}
		return nil, s.m.RemoveRelation(req.A, req.B)
	})
	handle("/v1/config", func(r *http.Request) (any, error) {
		var req struct {
			App   string
			Set   map[string]string
			Reset []string
		}
		if err := decode(r, &req); err != nil {
			return nil, err
		}
		if len(req.Set) > 0 || len(req.Reset) > 0 {
			if err := s.m.SetConfig(req.App, req.Set, req.Reset); err != nil {
				return nil, err
			}
		}
		return s.m.Config(req.App)
	})
	handle("/v1/scale", func(r *http.Request) (any, error) {
		var req struct {
			App string
			N   int
		}
		if err := decode(r, &req); err != nil {
			return nil, err
		}
		return nil, s.m.Scale(req.App, req.N)
	})
	handle("/v1/remove-unit", func(r *http.Request) (any, error) {
		var req struct {
			App string
			N   int
		}
		if err := decode(r, &req); err != nil {
			return nil, err
		}
		return nil, s.m.RemoveUnits(req.App, req.N)
	})
	handle("/v1/remove-application", func(r *http.Request) (any, error) {
		var req struct{ App string }
		if err := decode(r, &req); err != nil {
			return nil, err
		}
		return nil, s.m.RemoveApplication(req.App)
	})
	handle("/v1/refresh", func(r *http.Request) (any, error) {
		var req struct{ App, Path string }
		if err := decode(r, &req); err != nil {
			return nil, err
		}
		path := req.Path
		if path != "" {
			var err error
			if path, err = s.resolveCharm(path); err != nil {
				return nil, err
			}
		}
		return nil, s.m.Refresh(req.App, path)
	})
	handle("/v1/resolved", func(r *http.Request) (any, error) {
		var req struct {
			Unit    string
			NoRetry bool
		}
		if err := decode(r, &req); err != nil {
			return nil, err
		}
		return nil, s.m.Resolved(req.Unit, req.NoRetry)
	})
	handle("/v1/fail-commit", func(r *http.Request) (any, error) {
		var req struct {
			Unit string
			N    int
		}
		if err := decode(r, &req); err != nil {
			return nil, err
		}
		return nil, s.m.FailCommits(req.Unit, req.N)
	})
	handle("/v1/cut-network", func(r *http.Request) (any, error) {
		var req struct {
			Unit     string
			Duration time.Duration
		}
		if err := decode(r, &req); err != nil {
			return nil, err
		}
		return nil, s.m.CutNetwork(req.Unit, req.Duration)
	})
	handle("/v1/delete-pod", func(r *http.Request) (any, error) {
		var req struct{ Unit string }
		if err := decode(r, &req); err != nil {
			return nil, err
		}
		wait, err := s.m.DeletePod(req.Unit)
		if err != nil {
			return nil, err
		}
		return nil, wait(r.Context())
	})
	handle("/v1/restart-container", func(r *http.Request) (any, error) {
		var req struct{ Unit, Container string }
		if err := decode(r, &req); err != nil {
			return nil, err
		}
		wait, err := s.m.RestartContainer(req.Unit, req.Container)
		if err != nil {
			return nil, err
		}
		return nil, wait(r.Context())
	})
	handle("/v1/show-hooks", func(r *http.Request) (any, error) {
		var req struct{ Unit string }
		if err := decode(r, &req); err != nil {
			return nil, err
		}
		return s.m.HookHistory(req.Unit)
	})
	handle("/v1/run-hook", s.runHook)
	handle("/v1/run", s.run)
	handle("/v1/destroy", func(r *http.Request) (any, error) {
		select {
		case <-s.destroy:
		default:
			close(s.destroy)
		}
		return nil, nil
	})
	return mux
}
