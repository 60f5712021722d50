package nginx

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/canonical/pebble/client"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/internal/workload"
)

// File is one file the configuration names.
type File struct {
	Path    string
	Content string
	// Private files (keys) only root reads.
	Private bool
}

// Apply writes the files and the configuration, has nginx check it, and
// loads it: a reload when nginx runs (connections in flight go on), a
// start otherwise. A configuration nginx refuses is not loaded, and the
// error says why; the one running goes on. When nginx runs with exactly
// these files, nothing is done: most hooks change no route.
func Apply(ctx context.Context, c *workload.Container, conf string, files []File) error {
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	infos, err := c.Client.Services(&client.ServicesOptions{Names: []string{ServiceName}})
	if err != nil {
		return fmt.Errorf("cannot read the nginx service: %w", err)
	}
	running := len(infos) == 1 && infos[0].Current == client.StatusActive
	if running && Holds(c, append(files, File{Path: ConfigFile, Content: conf})) {
		return nil
	}
	candidate := Dir + "/candidate.conf"
	for _, f := range append(files, File{Path: candidate, Content: conf}) {
		perm := os.FileMode(0o644)
		if f.Private {
			perm = 0o600
		}
		if err := c.Client.Push(&client.PushOptions{Source: strings.NewReader(f.Content), Path: f.Path, Permissions: perm, MakeDirs: true}); err != nil {
			return fmt.Errorf("cannot write %s: %w", f.Path, err)
		}
	}
	if _, err := c.Exec(ctx, workload.Cmd{Args: []string{"/usr/sbin/nginx", "-t", "-q", "-e", "stderr", "-c", candidate}}); err != nil {
		return fmt.Errorf("nginx refuses the configuration: %w", err)
	}
	if err := c.Client.Push(&client.PushOptions{Source: strings.NewReader(conf), Path: ConfigFile, Permissions: 0o644, MakeDirs: true}); err != nil {
		return fmt.Errorf("cannot write %s: %w", ConfigFile, err)
	}
	if err := c.Client.AddLayer(&client.AddLayerOptions{Combine: true, Label: ServiceName, LayerData: []byte(Layer())}); err != nil {
		return fmt.Errorf("cannot add the Pebble layer: %w", err)
	}
	if running {
		if _, err := c.Exec(ctx, workload.Cmd{Args: []string{"/usr/sbin/nginx", "-e", "stderr", "-c", ConfigFile, "-s", "reload"}}); err != nil {
			return fmt.Errorf("cannot reload nginx: %w", err)
		}
		return nil
	}
	return c.Replan("nginx")
}

// Holds reports whether the container holds every file with its content.
func Holds(c *workload.Container, files []File) bool {
	for _, f := range files {
		var b strings.Builder
		if c.Client.Pull(&client.PullOptions{Path: f.Path, Target: &b}) != nil || b.String() != f.Content {
			return false
		}
	}
	return true
}
