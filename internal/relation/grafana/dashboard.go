package grafana

import "encoding/json"

// The matchers every query carries: the topology dropdowns Grafana's
// charm adds (inject_dropdowns), so that one dashboard serves every
// application of the charm, none named here.
const topo = `juju_model=~"$juju_model",juju_model_uuid=~"$juju_model_uuid",juju_application=~"$juju_application",juju_unit=~"$juju_unit"`

// sel is a selector of metric with the topology and more matchers.
func sel(metric, more string) string {
	m := topo
	if more != "" {
		m += "," + more
	}
	return metric + "{" + m + "}"
}

func rate(metric, more string) string {
	return "rate(" + sel(metric, more) + "[$__rate_interval])"
}

func p99(metric, more, by string) string {
	return "histogram_quantile(0.99, sum by (le, " + by + ") (" + rate(metric+"_bucket", more) + "))"
}

type target struct {
	Expr         string `json:"expr"`
	LegendFormat string `json:"legendFormat"`
	RefID        string `json:"refId"`
}

type panel struct {
	ID          int               `json:"id"`
	Type        string            `json:"type"`
	Title       string            `json:"title"`
	GridPos     map[string]int    `json:"gridPos"`
	Datasource  map[string]string `json:"datasource,omitempty"`
	Targets     []target          `json:"targets,omitempty"`
	FieldConfig map[string]any    `json:"fieldConfig,omitempty"`
	Collapsed   *bool             `json:"collapsed,omitempty"`
	Panels      []panel           `json:"panels,omitempty"`
}

// graph is one time series panel; unit is Grafana's unit id.
type graph struct {
	title, unit string
	queries     [][2]string // expr, legend
}

// longPolls are left out of latency panels: they wait for work by design.
const longPolls = `operation!~".*Poll.*|GetWorkflowExecutionHistory.*"`

// rows are the dashboard: one row per service, the Temporal metrics an
// operator watches.
func rows() []struct {
	title  string
	graphs []graph
} {
	return []struct {
		title  string
		graphs []graph
	}{
		{"Overview", []graph{
			{"Units up", "none", [][2]string{{"sum by (juju_application) (" + sel("up", "") + ")", "{{juju_application}}"}}},
			{"Requests by service", "reqps", [][2]string{{"sum by (service_name) (" + rate("service_requests", "") + ")", "{{service_name}}"}}},
			// One query: an outcome that never happened has no series
			// yet, and every query here names what Prometheus has.
			{"Workflow outcomes", "ops", [][2]string{{"sum by (__name__, namespace) (" + rate("", `__name__=~"workflow_(success|failed|timeout|terminate|cancel)"`) + ")", "{{__name__}} {{namespace}}"}}},
		}},
		{"Frontend", []graph{
			{"Requests by API", "reqps", [][2]string{{"sum by (operation) (" + rate("service_requests", `service_name="frontend"`) + ")", "{{operation}}"}}},
			{"Errors by API", "reqps", [][2]string{{"sum by (operation, error_type) (" + rate("service_error_with_type", `service_name="frontend"`) + ")", "{{operation}} {{error_type}}"}}},
			{"Latency p99 by API", "s", [][2]string{{p99("service_latency", `service_name="frontend",`+longPolls, "operation"), "{{operation}}"}}},
		}},
		{"History", []graph{
			{"Requests by API", "reqps", [][2]string{{"sum by (operation) (" + rate("service_requests", `service_name="history"`) + ")", "{{operation}}"}}},
			{"Latency p99 by API", "s", [][2]string{{p99("service_latency", `service_name="history"`, "operation"), "{{operation}}"}}},
			{"Shard lock latency p99", "s", [][2]string{{p99("lock_latency", `service_name="history"`, "juju_unit"), "{{juju_unit}}"}}},
		}},
		{"Matching", []graph{
			{"Requests by API", "reqps", [][2]string{{"sum by (operation) (" + rate("service_requests", `service_name="matching"`) + ")", "{{operation}}"}}},
			{"Task queue backlog", "none", [][2]string{{"sum by (namespace, taskqueue) (" + sel("approximate_backlog_count", "") + ")", "{{namespace}} {{taskqueue}}"}}},
			{"Schedule-to-start latency p99", "s", [][2]string{{p99("task_schedule_to_start_latency", "", "task_type"), "{{task_type}}"}}},
		}},
		{"Worker", []graph{
			{"Persistence requests by the worker", "reqps", [][2]string{{"sum by (operation) (" + rate("persistence_requests", `service_name="worker"`) + ")", "{{operation}}"}}},
		}},
		{"Persistence", []graph{
			{"Requests by service", "reqps", [][2]string{{"sum by (service_name) (" + rate("persistence_requests", "") + ")", "{{service_name}}"}}},
			{"Errors by service", "reqps", [][2]string{{"sum by (service_name) (" + rate("persistence_error_with_type", "") + ")", "{{service_name}}"}}},
			{"Latency p99 by operation", "s", [][2]string{{p99("persistence_latency", "", "operation"), "{{operation}}"}}},
		}},
	}
}

// Dashboard is the dashboard JSON, uid and all.
func Dashboard(uid string) []byte {
	ds := map[string]string{"type": "prometheus", "uid": "${prometheusds}"}
	var panels []panel
	id, y := 1, 0
	for _, r := range rows() {
		collapsed := false
		panels = append(panels, panel{ID: id, Type: "row", Title: r.title, Collapsed: &collapsed, GridPos: map[string]int{"h": 1, "w": 24, "x": 0, "y": y}})
		id++
		y++
		w := 24 / len(r.graphs)
		for i, g := range r.graphs {
			p := panel{
				ID: id, Type: "timeseries", Title: g.title, Datasource: ds,
				GridPos:     map[string]int{"h": 8, "w": w, "x": i * w, "y": y},
				FieldConfig: map[string]any{"defaults": map[string]any{"unit": g.unit}, "overrides": []any{}},
			}
			for j, q := range g.queries {
				p.Targets = append(p.Targets, target{Expr: q[0], LegendFormat: q[1], RefID: string(rune('A' + j))})
			}
			panels = append(panels, p)
			id++
		}
		y += 8
	}
	d := map[string]any{
		"uid":           uid,
		"title":         "Temporal Server",
		"tags":          []string{"temporal", "charm: temporal-k8s"},
		"timezone":      "browser",
		"schemaVersion": 39,
		"version":       1,
		"editable":      true,
		"refresh":       "30s",
		"time":          map[string]string{"from": "now-1h", "to": "now"},
		"panels":        panels,
		"templating": map[string]any{"list": []any{map[string]any{
			"name": "prometheusds", "label": "Prometheus", "type": "datasource", "query": "prometheus",
			"current": map[string]any{}, "hide": 0, "refresh": 1, "regex": "", "options": []any{},
		}}},
	}
	out, _ := json.MarshalIndent(d, "", "  ")
	return out
}
