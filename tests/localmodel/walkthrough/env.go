package walkthrough

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Environment variables the walkthrough reads.
const (
	EnvBin    = "LOCALMODEL_BIN"
	EnvCharms = "LOCALMODEL_CHARMS"
	EnvRock   = "LOCALMODEL_ROCK"
	// EnvUIRock is the temporal-ui rock directory.
	EnvUIRock = "LOCALMODEL_UI_ROCK"
	// EnvChromium names the browser the UI check drives; chromium on
	// PATH when unset.
	EnvChromium = "LOCALMODEL_CHROMIUM"
	// EnvPebble is read by localmodel bootstrap itself: the static pebble
	// binary it runs in every workload container.
	EnvPebble = "LOCALMODEL_PEBBLE"
	// EnvBootstrapArgs holds extra bootstrap options, space-separated.
	EnvBootstrapArgs = "LOCALMODEL_BOOTSTRAP_ARGS"
)

// Config is where the walkthrough finds its tools.
type Config struct {
	// Bin is the localmodel executable.
	Bin string
	// Charms is the charm repository (temporal-k8s.charm, the stand-ins,
	// resources/).
	Charms string
	// Rock is the temporal-server rock directory; empty leaves the
	// resource to the charm repository's defaults.
	Rock string
	// UIRock is the temporal-ui rock directory; empty leaves the resource
	// to the charm repository's defaults.
	UIRock string
	// Chromium is the headless browser the UI check runs.
	Chromium string
	// BootstrapArgs are extra bootstrap options.
	BootstrapArgs []string
}

// RequiredCharms must be in the charm repository.
var RequiredCharms = []string{Charm, AppPostgreSQL, AppAdmin, AppPrometheus, AppLoki, AppGrafana, AppUI}

// ConfigFromEnv reads LOCALMODEL_BIN (or localmodel on PATH),
// LOCALMODEL_CHARMS, LOCALMODEL_ROCK, LOCALMODEL_UI_ROCK and
// LOCALMODEL_CHROMIUM (or chromium on PATH), and checks that what they
// name exists, saying what is missing and how to get it.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	cfg := Config{
		Bin: getenv(EnvBin), Charms: getenv(EnvCharms), Rock: getenv(EnvRock), UIRock: getenv(EnvUIRock),
		Chromium: getenv(EnvChromium), BootstrapArgs: strings.Fields(getenv(EnvBootstrapArgs)),
	}
	var problems []string
	if cfg.Chromium == "" {
		if p, err := exec.LookPath("chromium"); err == nil {
			cfg.Chromium = p
		} else {
			problems = append(problems, EnvChromium+" is not set and chromium is not on PATH (apt-get install chromium)")
		}
	} else if _, err := os.Stat(cfg.Chromium); err != nil {
		problems = append(problems, fmt.Sprintf("%s=%s: %v", EnvChromium, cfg.Chromium, err))
	} else if abs, err := filepath.Abs(cfg.Chromium); err == nil {
		// The browser runs in another directory.
		cfg.Chromium = abs
	}
	if cfg.Bin == "" {
		if p, err := exec.LookPath("localmodel"); err == nil {
			cfg.Bin = p
		} else {
			problems = append(problems, EnvBin+" is not set and localmodel is not on PATH (build ./cmd/localmodel)")
		}
	} else if _, err := os.Stat(cfg.Bin); err != nil {
		problems = append(problems, fmt.Sprintf("%s=%s: %v", EnvBin, cfg.Bin, err))
	}
	if cfg.Charms == "" {
		problems = append(problems, EnvCharms+" is not set (the charm repository holding "+strings.Join(RequiredCharms, ".charm, ")+".charm)")
	} else {
		for _, name := range RequiredCharms {
			if _, err := os.Stat(filepath.Join(cfg.Charms, name+".charm")); err != nil {
				problems = append(problems, fmt.Sprintf("%s: missing %s.charm (%v)", EnvCharms, name, err))
			}
		}
	}
	if p := getenv(EnvPebble); p == "" {
		problems = append(problems, EnvPebble+" is not set (a static pebble: CGO_ENABLED=0 go build github.com/canonical/pebble/cmd/pebble)")
	} else if _, err := os.Stat(p); err != nil {
		problems = append(problems, fmt.Sprintf("%s=%s: %v", EnvPebble, p, err))
	}
	if cfg.Rock != "" {
		if _, err := os.Stat(filepath.Join(cfg.Rock, "usr/bin/temporal-server")); err != nil {
			problems = append(problems, fmt.Sprintf("%s=%s is not a temporal-server rock (go run ./cmd/buildrock --out DIR): %v", EnvRock, cfg.Rock, err))
		}
	}
	if cfg.UIRock != "" {
		if _, err := os.Stat(filepath.Join(cfg.UIRock, "home/ui-server/ui-server")); err != nil {
			problems = append(problems, fmt.Sprintf("%s=%s is not a temporal-ui rock (go run ./cmd/buildrock --out DIR --ui-out UIDIR): %v", EnvUIRock, cfg.UIRock, err))
		}
	}
	if os.Geteuid() != 0 {
		problems = append(problems, "the local model needs root (network namespaces, mounts, chroot)")
	}
	if len(problems) > 0 {
		return cfg, errors.New("walkthrough prerequisites missing:\n  - " + strings.Join(problems, "\n  - "))
	}
	return cfg, nil
}

// CLI returns the CLI for this configuration.
func (c Config) CLI() CLI {
	return CLI{Bin: c.Bin, Env: []string{EnvCharms + "=" + c.Charms}}
}

// Resources returns the deploy resource overrides for this configuration.
func (c Config) Resources() map[string]string {
	if c.Rock == "" && c.UIRock == "" {
		return nil
	}
	out := map[string]string{}
	if c.Rock != "" {
		out["temporal-server-image"], out["temporal-admin-image"] = c.Rock, c.Rock
	}
	if c.UIRock != "" {
		out["temporal-ui-image"] = c.UIRock
	}
	return out
}
