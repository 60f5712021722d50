// Package metrics is the provider side of metrics-endpoint (interface
// prometheus_scrape), as the charm library prometheus_k8s/v0/
// prometheus_scrape.py (LIBPATCH 48) and cos-lib's rules.py write it
// (ecosystem.md, "prometheus_scrape"):
//
//   - the leader's app data: scrape_metadata (the Juju topology),
//     scrape_jobs (one job, /metrics on every unit's port 9090: Prometheus
//     turns "*" into each unit's address) and alert_rules ({"groups": …},
//     each group named <model>_<uuid[:8]>_<app>_<group>_alerts, each rule
//     labelled with the topology and its expression matching it);
//   - every unit's own data: prometheus_scrape_unit_address (the unit's
//     bind address), prometheus_scrape_unit_name, prometheus_scrape_unit_path
//     ("").
//
// The server serves its metrics on 0.0.0.0:9090 (temporal.MetricsPort);
// each metric carries service_name, set by the server itself.
package metrics

import (
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
)

// Endpoint is the provides endpoint in metadata.yaml.
const Endpoint = "metrics-endpoint"

// AppData is the leader's app data for an application running services.
func AppData(t juju.Topology, services []string, port int) map[string]string {
	jobs, _ := json.Marshal([]job{{MetricsPath: "/metrics", StaticConfigs: []staticConfig{{Targets: []string{"*:" + strconv.Itoa(port)}}}}})
	rules, _ := json.Marshal(Rules(t, services))
	return map[string]string{"scrape_metadata": t.JSON(), "scrape_jobs": string(jobs), "alert_rules": string(rules)}
}

// UnitData is every unit's own data.
func UnitData(unit, address string) map[string]string {
	return map[string]string{
		"prometheus_scrape_unit_address": address,
		"prometheus_scrape_unit_name":    unit,
		"prometheus_scrape_unit_path":    "",
	}
}

type job struct {
	MetricsPath   string         `json:"metrics_path"`
	StaticConfigs []staticConfig `json:"static_configs"`
}

type staticConfig struct {
	Targets []string `json:"targets"`
}

// RuleFile is Prometheus's rule file format.
type RuleFile struct {
	Groups []Group `json:"groups"`
}

// Group is one rule group.
type Group struct {
	Name  string `json:"name"`
	Rules []Rule `json:"rules"`
}

// Rule is one alerting rule.
type Rule struct {
	Alert       string            `json:"alert"`
	Expr        string            `json:"expr"`
	For         string            `json:"for"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
}

// topologyPlaceholder stands in a rule's expression for the topology's
// label matchers, as cos-lib's %%juju_topology%%.
const topologyPlaceholder = "%%juju_topology%%"

// longPolls are the operations that wait for work by design: their
// latency says nothing of the server's health.
const longPolls = `operation!~".*Poll.*|GetWorkflowExecutionHistory.*|.*LongPoll.*"`

// Rules are the alerting rules of an application running services: one
// "down" rule per service it runs, and the error and latency rules every
// service shares.
func Rules(t juju.Topology, services []string) RuleFile {
	var rules []Rule
	for _, s := range []string{"frontend", "history", "matching", "worker"} {
		if !slices.Contains(services, s) {
			continue
		}
		name := strings.ToUpper(s[:1]) + s[1:]
		rules = append(rules, Rule{
			Alert:  "Temporal" + name + "Down",
			Expr:   "up{" + topologyPlaceholder + "} == 0",
			For:    "2m",
			Labels: map[string]string{"severity": "critical"},
			Annotations: map[string]string{
				"summary":     "Temporal " + s + " unit {{ $labels.juju_unit }} is down",
				"description": "Prometheus cannot scrape {{ $labels.juju_unit }} of {{ $labels.juju_application }}, which runs the " + s + " service, for 2 minutes.",
			},
		})
	}
	rules = append(rules,
		errorRatio("TemporalPersistenceErrors", "persistence_error_with_type", "persistence_requests",
			"Temporal persistence errors on {{ $labels.juju_unit }}",
			"More than 5% of {{ $labels.juju_unit }}'s database requests failed over 5 minutes ({{ $value | humanizePercentage }})."),
		errorRatio("TemporalServiceErrors", "service_error_with_type", "service_requests",
			"Temporal request errors on {{ $labels.juju_unit }}",
			"More than 5% of the requests {{ $labels.juju_unit }} served failed over 5 minutes ({{ $value | humanizePercentage }})."),
		Rule{
			Alert:  "TemporalServiceLatencyHigh",
			Expr:   "histogram_quantile(0.99, sum by (juju_unit, operation, le) (rate(service_latency_bucket{" + topologyPlaceholder + "," + longPolls + "}[5m]))) > 1",
			For:    "10m",
			Labels: map[string]string{"severity": "warning"},
			Annotations: map[string]string{
				"summary":     "Temporal {{ $labels.operation }} is slow on {{ $labels.juju_unit }}",
				"description": "The 99th percentile latency of {{ $labels.operation }} on {{ $labels.juju_unit }} has been above 1s for 10 minutes ({{ $value | humanizeDuration }}).",
			},
		},
	)
	matchers := `juju_model="` + t.Model + `",juju_model_uuid="` + t.ModelUUID + `",juju_application="` + t.App + `"`
	for i := range rules {
		rules[i].Expr = strings.ReplaceAll(rules[i].Expr, topologyPlaceholder, matchers)
		rules[i].Labels["juju_model"] = t.Model
		rules[i].Labels["juju_model_uuid"] = t.ModelUUID
		rules[i].Labels["juju_application"] = t.App
		rules[i].Labels["juju_charm"] = t.Charm
	}
	return RuleFile{Groups: []Group{{Name: groupName(t, "temporal"), Rules: rules}}}
}

// errorRatio alerts when over 5% of a unit's requests (requests) failed
// (errors) for 5 minutes.
func errorRatio(alert, errors, requests, summary, description string) Rule {
	return Rule{
		Alert:       alert,
		Expr:        "sum by (juju_unit) (rate(" + errors + "{" + topologyPlaceholder + "}[5m])) / sum by (juju_unit) (rate(" + requests + "{" + topologyPlaceholder + "}[5m])) > 0.05",
		For:         "5m",
		Labels:      map[string]string{"severity": "warning"},
		Annotations: map[string]string{"summary": summary, "description": description},
	}
}

var notLabelChar = regexp.MustCompile(`[^a-zA-Z0-9_:]`)

// groupName is cos-lib's: every character outside [a-zA-Z0-9_:] becomes _.
func groupName(t juju.Topology, group string) string {
	uuid := t.ModelUUID
	if len(uuid) > 8 {
		uuid = uuid[:8]
	}
	return notLabelChar.ReplaceAllString(t.Model+"_"+uuid+"_"+t.App+"_"+group+"_alerts", "_")
}
