package config_test

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/temporal-k8s/temporal-k8s/internal/config"
)

// TestConfigYAMLMatchesParser keeps config.yaml, which Juju shows to
// operators, and the parser's defaults in step.
func TestConfigYAMLMatchesParser(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../config.yaml")
	require.NoError(t, err)
	var file struct {
		Options map[string]struct {
			Type    string `yaml:"type"`
			Default any    `yaml:"default"`
		} `yaml:"options"`
	}
	require.NoError(t, yaml.Unmarshal(data, &file))

	raw := map[string]any{}
	for name, opt := range file.Options {
		switch v := opt.Default.(type) {
		case int:
			require.Equal(t, "int", opt.Type, name)
			raw[name] = json.Number(fmt.Sprint(v))
		case string:
			require.Equal(t, "string", opt.Type, name)
			raw[name] = v
		default:
			t.Fatalf("option %s: unexpected default %#v", name, v)
		}
	}
	fromYAML, problems := config.Parse(raw)
	require.Empty(t, problems)
	defaults, problems := config.Parse(nil)
	require.Empty(t, problems)
	require.Equal(t, defaults, fromYAML)
	require.Len(t, file.Options, 19, "every option the parser knows is documented")
}
