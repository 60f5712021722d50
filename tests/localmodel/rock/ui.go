package rock

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// UIModule is the Go module of the Temporal UI server, assets embedded.
const UIModule = "github.com/temporalio/ui-server/v2"

// UIBinary is the UI server's one executable, where the temporal-ui rock
// keeps it: the charm runs ui-server --root /home/ui-server --env charm
// start.
var UIBinary = Binary{Name: "home/ui-server/ui-server", Package: UIModule + "/cmd/server"}

// BuildUI lays out the temporal-ui rock: the UI server under
// /home/ui-server, its config directory (the charm writes charm.yaml
// there), and the base files Pebble needs. opts.ModuleDir is a module
// that pins UIModule (tests/uiserver: the UI server's dependencies would
// otherwise move the temporal server's). Rebuilt only when its build key
// changed.
func BuildUI(ctx context.Context, opts Options) error {
	out, err := layout(&opts, []string{"home/ui-server/config", "var/lib/pebble/default"}, nil)
	if err != nil {
		return fmt.Errorf("cannot build the ui rock: %w", err)
	}
	version, err := output(ctx, opts.ModuleDir, nil, opts.Go, "list", "-m", "-f", "{{.Version}}", UIModule)
	if err != nil {
		return fmt.Errorf("cannot build the ui rock: %w", err)
	}
	if strings.TrimSpace(version) == "" {
		return errors.New("cannot build the ui rock: no version of " + UIModule + " in " + opts.ModuleDir)
	}
	goVersion, err := output(ctx, opts.ModuleDir, nil, opts.Go, "env", "GOVERSION")
	if err != nil {
		return fmt.Errorf("cannot build the ui rock: %w", err)
	}
	stamps := filepath.Join(filepath.Dir(out), "."+filepath.Base(out)+".buildkeys")
	if err := os.MkdirAll(stamps, 0o755); err != nil {
		return fmt.Errorf("cannot build the ui rock: %w", err)
	}
	// The module's go.sum pins every dependency: a change there is a new
	// build even at the same UI version.
	sum, err := os.ReadFile(filepath.Join(opts.ModuleDir, "go.sum"))
	if err != nil {
		return fmt.Errorf("cannot build the ui rock: %w", err)
	}
	key := BuildKey(UIBinary, version+"\n"+string(sum), goVersion)
	return buildBinary(ctx, opts, UIBinary, filepath.Join(out, UIBinary.Name), filepath.Join(stamps, "ui-server"), key, false)
}
