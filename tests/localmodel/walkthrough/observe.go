package walkthrough

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// Observe relates the COS stand-ins to every Temporal application, as an
// operator adds COS: prometheus-k8s (a real Prometheus) on
// metrics-endpoint, loki-k8s (a push API receiver, fed by the real
// Pebble's log forwarding) on logging and grafana-k8s (which decodes the
// dashboards) on grafana-dashboard; then checks what they got at scale n.
func (s *Scenario) Observe(ctx context.Context, n int) error {
	for _, app := range []string{AppPrometheus, AppLoki, AppGrafana} {
		if err := s.deploy(ctx, app, ""); err != nil {
			return err
		}
	}
	for _, svc := range s.Services {
		if err := s.relate(ctx, svc.App+":metrics-endpoint", AppPrometheus+":metrics-endpoint"); err != nil {
			return err
		}
		if err := s.relate(ctx, svc.App+":logging", AppLoki+":logging"); err != nil {
			return err
		}
		if err := s.relate(ctx, svc.App+":grafana-dashboard", AppGrafana+":grafana-dashboard"); err != nil {
			return err
		}
	}
	scales := s.scales(n)
	scales[AppPrometheus], scales[AppLoki], scales[AppGrafana] = 1, 1, 1
	if _, err := s.WaitSettled(ctx, scales, s.Timeouts.Deploy); err != nil {
		return err
	}
	return s.CheckObserved(ctx, n)
}

// CheckObserved checks Prometheus, Loki and the dashboards at scale n.
func (s *Scenario) CheckObserved(ctx context.Context, n int) error {
	if err := s.CheckMetrics(ctx, n); err != nil {
		return err
	}
	if err := s.CheckLogs(ctx, n); err != nil {
		return err
	}
	return s.CheckDashboards(ctx)
}

// dashboardUID is the uid the grafana_dashboard library computes for the
// Python charm's dashboard file, which the charm keeps.
const dashboardUID = "27a4a3aa101af45043bb94ae0b0801cabbf000cb"

// CheckDashboards has the Grafana stand-in decode every application's
// dashboard (its own xz decoder) and runs every query, its dropdowns at
// "all", on Prometheus: each must name series Prometheus has.
func (s *Scenario) CheckDashboards(ctx context.Context) error {
	status, err := s.CLI.Status(ctx)
	if err != nil {
		return err
	}
	units := status.Applications[AppGrafana].UnitNames()
	if len(units) == 0 {
		return fmt.Errorf("%s has no unit", AppGrafana)
	}
	res, err := s.CLI.RunAction(ctx, units[0], "get-dashboards")
	if err != nil {
		return err
	}
	if got := res.Result("count"); got != fmt.Sprint(len(s.Services)) {
		return fmt.Errorf("%s decoded %s dashboards, want one per application (%d): %v", AppGrafana, got, len(s.Services), res.Results)
	}
	for i := range s.Services {
		if uid := res.Result(fmt.Sprintf("uid-%d", i)); uid != dashboardUID {
			return fmt.Errorf("dashboard %d has uid %q, want the Python charm's %s", i, uid, dashboardUID)
		}
	}
	base := "http://" + net.JoinHostPort(status.Applications[AppPrometheus].Address, "9090")
	var queries []string
	seen := map[string]bool{}
	for _, q := range strings.Split(res.Result("queries"), "\n") {
		if q != "" && !seen[q] {
			seen[q] = true
			queries = append(queries, q)
		}
	}
	// A rate needs two scrapes in its window: ask until every query has
	// series, for at most two minutes.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var empty []string
		for _, q := range queries {
			expr := strings.NewReplacer("$__rate_interval", "5m", "$juju_model_uuid", ".*", "$juju_model", ".*",
				"$juju_application", ".*", "$juju_unit", ".*").Replace(q)
			got, err := prometheusQuery(ctx, base, expr)
			if err != nil {
				return fmt.Errorf("dashboard query %q: %w", q, err)
			}
			if len(got) == 0 {
				empty = append(empty, q)
			}
		}
		if len(empty) == 0 {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("dashboard queries with no series in Prometheus after 2m: %s", strings.Join(empty, " | "))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Second):
		}
	}
	s.printf("Grafana stand-in: %d dashboards decoded (uid %s), %d distinct queries, every one answered by Prometheus\n", len(s.Services), dashboardUID, len(queries))
	return nil
}

// prometheusQuery runs an instant query on Prometheus's HTTP API.
func prometheusQuery(ctx context.Context, base, query string) ([]promSample, error) {
	var out struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Result []promSample `json:"result"`
		} `json:"data"`
	}
	if err := getJSON(ctx, base+"/api/v1/query?query="+url.QueryEscape(query), &out); err != nil {
		return nil, err
	}
	if out.Status != "success" {
		return nil, fmt.Errorf("query %q: %s", query, out.Error)
	}
	return out.Data.Result, nil
}

type promSample struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
}

func (p promSample) value() string {
	v, _ := p.Value[1].(string)
	return v
}

// getJSON decodes the JSON answer of a GET (Prometheus's API, the Loki
// stand-in's /received).
func getJSON(ctx context.Context, u string, v any) error {
	return getJSONWith(ctx, http.DefaultClient, u, v)
}

// getJSONWith is getJSON with the client given.
func getJSONWith(ctx context.Context, client *http.Client, u string, v any) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s: %s", u, resp.Status, strings.TrimSpace(string(body)))
	}
	return json.Unmarshal(body, v)
}

// CheckMetrics asks Prometheus, through its Service, until every Temporal
// unit at scale n is up with the Juju topology as labels, the servers'
// metrics carry the service each application runs, the walkthrough's
// workflows show in workflow_success, and every application's alert rules
// are loaded (Prometheus refuses a rule file it cannot parse; promtool,
// which the stand-in runs before it writes one, agrees).
func (s *Scenario) CheckMetrics(ctx context.Context, n int) error {
	status, err := s.CLI.Status(ctx)
	if err != nil {
		return err
	}
	addr := status.Applications[AppPrometheus].Address
	if addr == "" {
		return fmt.Errorf("%s has no service address", AppPrometheus)
	}
	base := "http://" + net.JoinHostPort(addr, "9090")
	want := map[string]string{}
	for _, svc := range s.Services {
		for _, u := range status.Applications[svc.App].UnitNames() {
			want[u] = svc.App
		}
	}
	if len(want) != n*len(s.Services) {
		return fmt.Errorf("status shows %d temporal units, want %d", len(want), n*len(s.Services))
	}
	start := time.Now()
	deadline := start.Add(2 * time.Minute)
	var last error
	for time.Now().Before(deadline) {
		if last = checkMetricsOnce(ctx, base, want, s.Services); last == nil {
			s.printf("Prometheus at %s: %d temporal units up, every application's service_name and alert rules in place, workflow_success of Greet > 0 (%s)\n",
				base, len(want), time.Since(start).Round(100*time.Millisecond))
			return s.checkRulesAction(ctx, status)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
	return fmt.Errorf("prometheus at %s after 2m: %w", base, last)
}

func checkMetricsOnce(ctx context.Context, base string, want map[string]string, services []Service) error {
	up, err := prometheusQuery(ctx, base, `up{juju_charm="temporal-k8s"}`)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, smp := range up {
		u := smp.Metric["juju_unit"]
		app, ok := want[u]
		if !ok {
			// A unit gone with a scale-down drops out of the targets.
			continue
		}
		if smp.Metric["juju_application"] != app || smp.Metric["juju_model"] == "" || smp.Metric["juju_model_uuid"] == "" {
			return fmt.Errorf("%s's series lacks the Juju topology: %v", u, smp.Metric)
		}
		if smp.value() != "1" {
			return fmt.Errorf("%s is not up: up=%s", u, smp.value())
		}
		seen[u] = true
	}
	var missing []string
	for u := range want {
		if !seen[u] {
			missing = append(missing, u)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return fmt.Errorf("no up series for %s", strings.Join(missing, ", "))
	}
	// Every server tags its metrics with the service it runs.
	roles, err := prometheusQuery(ctx, base, `count by (juju_application, service_name) ({__name__=~"service_requests(_total)?", juju_charm="temporal-k8s"})`)
	if err != nil {
		return err
	}
	for _, svc := range services {
		if svc.Role == "worker" {
			// The worker serves no API of its own.
			continue
		}
		found := false
		for _, smp := range roles {
			if smp.Metric["juju_application"] == svc.App && smp.Metric["service_name"] == svc.Role {
				found = true
			}
		}
		if !found {
			return fmt.Errorf("no service_requests of %s tagged service_name=%q: %v", svc.App, svc.Role, roles)
		}
	}
	done, err := prometheusQuery(ctx, base, `sum({__name__=~"workflow_success(_total)?", workflowType="Greet"})`)
	if err != nil {
		return err
	}
	if len(done) == 0 || done[0].value() == "0" {
		return fmt.Errorf("workflow_success of Greet is not above 0: %v", done)
	}
	var rules struct {
		Data struct {
			Groups []struct {
				Name  string `json:"name"`
				Rules []struct {
					Name   string            `json:"name"`
					Health string            `json:"health"`
					Labels map[string]string `json:"labels"`
				} `json:"rules"`
			} `json:"groups"`
		} `json:"data"`
	}
	if err := getJSON(ctx, base+"/api/v1/rules", &rules); err != nil {
		return err
	}
	for _, svc := range services {
		loaded := false
		for _, g := range rules.Data.Groups {
			for _, r := range g.Rules {
				if r.Labels["juju_application"] == svc.App && strings.HasSuffix(g.Name, "_temporal_alerts") {
					loaded = true
					if r.Health == "err" {
						return fmt.Errorf("rule %s of %s does not evaluate", r.Name, svc.App)
					}
				}
			}
		}
		if !loaded {
			return fmt.Errorf("no alert rules of %s loaded", svc.App)
		}
	}
	return nil
}

// checkRulesAction runs promtool, through the stand-in's check-rules
// action, on every rule file Prometheus loads.
func (s *Scenario) checkRulesAction(ctx context.Context, status *Status) error {
	units := status.Applications[AppPrometheus].UnitNames()
	if len(units) == 0 {
		return fmt.Errorf("%s has no unit", AppPrometheus)
	}
	res, err := s.CLI.RunAction(ctx, units[0], "check-rules")
	if err != nil {
		return err
	}
	if got := fmt.Sprint(res.Results["files"]); got != fmt.Sprint(len(s.Services)) {
		return fmt.Errorf("promtool checked %s rule files, want one per application (%d): %v", got, len(s.Services), res.Results)
	}
	s.printf("promtool check rules: %d files, every one SUCCESS\n", len(s.Services))
	return nil
}

// logEntry is one line the Loki stand-in received.
type logEntry struct {
	Labels map[string]string `json:"labels"`
	Line   string            `json:"line"`
}

// CheckLogs asks the Loki stand-in, through its Service, until every
// Temporal unit at scale n has forwarded temporal-server lines labelled
// with the Juju topology (Pebble adds pebble_service).
func (s *Scenario) CheckLogs(ctx context.Context, n int) error {
	status, err := s.CLI.Status(ctx)
	if err != nil {
		return err
	}
	addr := status.Applications[AppLoki].Address
	if addr == "" {
		return fmt.Errorf("%s has no service address", AppLoki)
	}
	base := "http://" + net.JoinHostPort(addr, "3100")
	model := ""
	want := map[string]string{}
	for _, svc := range s.Services {
		for _, u := range status.Applications[svc.App].UnitNames() {
			want[u] = svc.App
		}
	}
	start := time.Now()
	deadline := start.Add(2 * time.Minute)
	var last error
	for time.Now().Before(deadline) {
		var entries []logEntry
		last = getJSON(ctx, base+"/received", &entries)
		if last == nil {
			lines := map[string]int{}
			for _, e := range entries {
				l := e.Labels
				app, ok := want[l["juju_unit"]]
				if !ok || l["juju_application"] != app || l["pebble_service"] != "temporal-server" ||
					l["product"] != "Juju" || l["charm"] != "temporal-k8s" || l["juju_model"] == "" || l["juju_model_uuid"] == "" || e.Line == "" {
					continue
				}
				model = l["juju_model"]
				lines[l["juju_unit"]]++
			}
			var missing []string
			for u := range want {
				if lines[u] == 0 {
					missing = append(missing, u)
				}
			}
			if len(missing) == 0 {
				s.printf("Loki stand-in at %s: temporal-server lines from all %d units, labelled with model %q, application, unit and pebble_service (%s)\n",
					base, len(want), model, time.Since(start).Round(100*time.Millisecond))
				return nil
			}
			sort.Strings(missing)
			last = fmt.Errorf("no temporal-server lines with the Juju topology from %s (of %d received)", strings.Join(missing, ", "), len(entries))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
	return fmt.Errorf("loki at %s after 2m: %w", base, last)
}
