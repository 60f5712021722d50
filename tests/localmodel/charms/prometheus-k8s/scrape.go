package prometheus

import (
	"encoding/json"
	"fmt"
	"net"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Provider is one application related on metrics-endpoint, as the
// prometheus_scrape library's MetricsEndpointConsumer reads it: its app
// data and each unit's address.
type Provider struct {
	Metadata Metadata
	// Jobs are the scrape_jobs as written.
	Jobs []map[string]any
	// Rules is alert_rules as written ("" or "{}" when none).
	Rules string
	Units []Unit
}

// Metadata is scrape_metadata: the provider's Juju topology.
type Metadata struct {
	Model       string `json:"model"`
	ModelUUID   string `json:"model_uuid"`
	Application string `json:"application"`
	Unit        string `json:"unit"`
	CharmName   string `json:"charm_name"`
}

// Unit is one provider unit's own data.
type Unit struct {
	Name    string
	Address string
	Path    string
}

// ParseProvider reads a provider's app data and its units' data. Missing
// scrape_metadata is not an error: the provider has not written yet.
func ParseProvider(app map[string]string, units map[string]map[string]string) (Provider, bool, error) {
	var p Provider
	if app["scrape_metadata"] == "" {
		return p, false, nil
	}
	if err := json.Unmarshal([]byte(app["scrape_metadata"]), &p.Metadata); err != nil {
		return p, false, fmt.Errorf("cannot parse scrape_metadata: %w", err)
	}
	if raw := app["scrape_jobs"]; raw != "" {
		if err := json.Unmarshal([]byte(raw), &p.Jobs); err != nil {
			return p, false, fmt.Errorf("cannot parse scrape_jobs: %w", err)
		}
	}
	p.Rules = app["alert_rules"]
	names := make([]string, 0, len(units))
	for n := range units {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		d := units[n]
		if d["prometheus_scrape_unit_address"] == "" {
			continue
		}
		name := d["prometheus_scrape_unit_name"]
		if name == "" {
			name = n
		}
		p.Units = append(p.Units, Unit{Name: name, Address: d["prometheus_scrape_unit_address"], Path: d["prometheus_scrape_unit_path"]})
	}
	return p, true, nil
}

// Identifier is JujuTopology.identifier: <model>_<model_uuid>_<app>.
func (p Provider) Identifier() string {
	return p.Metadata.Model + "_" + p.Metadata.ModelUUID + "_" + p.Metadata.Application
}

// allowedJobKeys are the job keys the library passes on; others are
// dropped (prometheus_scrape.py, ALLOWED_KEYS).
var allowedJobKeys = map[string]bool{
	"job_name": true, "metrics_path": true, "static_configs": true, "scrape_interval": true,
	"scrape_timeout": true, "proxy_url": true, "relabel_configs": true, "metric_relabel_configs": true,
	"sample_limit": true, "label_limit": true, "label_name_length_limit": true,
	"label_value_length_limit": true, "scheme": true, "basic_auth": true, "tls_config": true,
	"authorization": true, "params": true,
}

// ScrapeConfigs are the Prometheus scrape_configs for the providers: each
// job named after the provider's topology, a "*" target expanded to every
// unit's address, every target labelled with the topology (and its unit),
// and instance set from them, as the library's consumer does.
func ScrapeConfigs(providers []Provider) []map[string]any {
	var out []map[string]any
	for _, p := range providers {
		topo := map[string]string{
			"juju_model": p.Metadata.Model, "juju_model_uuid": p.Metadata.ModelUUID,
			"juju_application": p.Metadata.Application, "juju_charm": p.Metadata.CharmName,
		}
		for i, job := range p.Jobs {
			cfg := map[string]any{}
			for k, v := range job {
				if allowedJobKeys[k] {
					cfg[k] = v
				}
			}
			name := "juju_" + p.Identifier() + "_prometheus_scrape"
			if n, _ := job["job_name"].(string); n != "" {
				name = "juju_" + p.Identifier() + "_" + n
			}
			if i > 0 {
				name += fmt.Sprintf("_%d", i)
			}
			cfg["job_name"] = name
			var groups []map[string]any
			for _, sc := range staticConfigs(job) {
				for _, target := range sc {
					host, port, err := net.SplitHostPort(target)
					if err != nil || host != "*" {
						groups = append(groups, map[string]any{"targets": []string{target}, "labels": topo})
						continue
					}
					for _, u := range p.Units {
						labels := map[string]string{"juju_unit": u.Name}
						for k, v := range topo {
							labels[k] = v
						}
						if u.Path != "" {
							path, _ := job["metrics_path"].(string)
							labels["__metrics_path__"] = strings.TrimSuffix(u.Path, "/") + "/" + strings.TrimPrefix(path, "/")
						}
						groups = append(groups, map[string]any{"targets": []string{net.JoinHostPort(u.Address, port)}, "labels": labels})
					}
				}
			}
			cfg["static_configs"] = groups
			cfg["relabel_configs"] = []map[string]any{{
				"source_labels": []string{"juju_model", "juju_model_uuid", "juju_application", "juju_unit"},
				"separator":     "_", "target_label": "instance", "regex": "(.*)",
			}}
			out = append(out, cfg)
		}
	}
	return out
}

func staticConfigs(job map[string]any) [][]string {
	var out [][]string
	scs, _ := job["static_configs"].([]any)
	for _, sc := range scs {
		m, _ := sc.(map[string]any)
		raw, _ := m["targets"].([]any)
		var targets []string
		for _, t := range raw {
			if s, ok := t.(string); ok {
				targets = append(targets, s)
			}
		}
		out = append(out, targets)
	}
	return out
}

// Config is prometheus.yml.
func Config(providers []Provider, interval, rulesDir string) ([]byte, error) {
	cfg := map[string]any{
		"global":         map[string]string{"scrape_interval": interval, "evaluation_interval": interval},
		"rule_files":     []string{rulesDir + "/*.rules"},
		"scrape_configs": ScrapeConfigs(providers),
	}
	return yaml.Marshal(cfg)
}

var unsafeName = regexp.MustCompile(`[^a-zA-Z0-9_.-]`)

// RuleFileName is where a provider's rules go: juju_<identifier>.rules.
func (p Provider) RuleFileName() string {
	return "juju_" + unsafeName.ReplaceAllString(p.Identifier(), "_") + ".rules"
}

// HasRules reports whether the provider sent any rule group.
func (p Provider) HasRules() bool {
	var rf struct {
		Groups []json.RawMessage `json:"groups"`
	}
	return json.Unmarshal([]byte(p.Rules), &rf) == nil && len(rf.Groups) > 0
}
