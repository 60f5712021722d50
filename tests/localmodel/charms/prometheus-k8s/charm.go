// Package prometheus is a stand-in for the prometheus-k8s charm, for the
// local model: a real Prometheus server in its workload container, and
// the requirer side of prometheus_scrape.
package prometheus

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/canonical/pebble/client"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/internal/workload"
)

// Names from metadata.yaml, and where things live in the workload.
const (
	ContainerName = "prometheus"
	Endpoint      = "metrics-endpoint"
	ServiceName   = "prometheus"
	StorageDir    = "/var/lib/prometheus"
	ConfigFile    = StorageDir + "/prometheus.yml"
	RulesDir      = StorageDir + "/rules"
	DataDir       = StorageDir + "/data"
	Port          = 9090
)

// Layer is the workload's Pebble layer. The lifecycle API lets the charm
// reload a changed configuration without a restart, as the real charm
// does.
func Layer() string {
	return fmt.Sprintf(`summary: Prometheus
services:
  %[1]s:
    override: replace
    summary: Prometheus server
    command: /usr/bin/prometheus --config.file=%[2]s --storage.tsdb.path=%[3]s --web.listen-address=0.0.0.0:%[4]d --web.enable-lifecycle --storage.tsdb.retention.time=1d
    startup: enabled
checks:
  %[1]s-ready:
    override: replace
    level: ready
    http:
      url: http://127.0.0.1:%[4]d/-/ready
`, ServiceName, ConfigFile, DataDir, Port)
}

// Charm handles one event.
type Charm struct {
	juju      *juju.Client
	event     juju.Event
	container *workload.Container
}

// Dispatch runs the event named by the environment.
func Dispatch(ctx context.Context, getenv func(string) string) error {
	ev, container, err := workload.Hook(getenv, ContainerName)
	if err != nil {
		return err
	}
	c := &Charm{juju: juju.NewClient(juju.ExecRunner{}), event: ev, container: container}
	return c.run(ctx)
}

func (c *Charm) run(ctx context.Context) error {
	switch c.event.Kind {
	case juju.Stop, juju.Remove:
		return nil
	case juju.Action:
		if c.event.Name == "check-rules" {
			return c.checkRulesAction(ctx)
		}
		return c.juju.ActionFail(ctx, fmt.Sprintf("unknown action %q", c.event.Name))
	}
	return c.reconcile(ctx)
}

func (c *Charm) status(ctx context.Context, name juju.StatusName, msg string) error {
	return c.juju.StatusSet(ctx, juju.Status{Name: name, Message: msg}, false)
}

// reconcile reads every provider, writes the configuration and the rule
// files promtool accepts, and starts or reloads the server.
func (c *Charm) reconcile(ctx context.Context) error {
	if !c.container.Ready() {
		return c.status(ctx, juju.StatusWaiting, "waiting for Pebble in the "+ContainerName+" container")
	}
	cfg, err := c.juju.ConfigGet(ctx)
	if err != nil {
		return err
	}
	interval, _ := cfg["scrape-interval"].(string)
	if interval == "" {
		interval = "5s"
	}
	providers, err := c.providers(ctx)
	if err != nil {
		return err
	}
	for _, d := range []string{StorageDir, RulesDir, DataDir} {
		if err := c.container.Client.MakeDir(&client.MakeDirOptions{Path: d, MakeParents: true, Permissions: 0o755}); err != nil && !strings.Contains(err.Error(), "exists") {
			return fmt.Errorf("cannot create %s: %w", d, err)
		}
	}
	changed, invalid, err := c.writeRules(ctx, providers)
	if err != nil {
		return err
	}
	conf, err := Config(providers, interval, RulesDir)
	if err != nil {
		return fmt.Errorf("cannot render the configuration: %w", err)
	}
	if c.pull(ConfigFile) != string(conf) {
		if err := c.push(ConfigFile, string(conf)); err != nil {
			return err
		}
		changed = true
	}
	started, err := c.ensureServer()
	if err != nil {
		return err
	}
	if changed && !started {
		if err := reload(ctx); err != nil {
			return err
		}
	}
	if err := c.juju.OpenPort(ctx, juju.Port{Number: Port, Protocol: "tcp"}); err != nil {
		return err
	}
	if len(invalid) > 0 {
		return c.status(ctx, juju.StatusBlocked, "invalid alert rules: "+strings.Join(invalid, "; "))
	}
	return c.status(ctx, juju.StatusActive, "")
}

// providers reads every related application that has written its
// scrape metadata.
func (c *Charm) providers(ctx context.Context) ([]Provider, error) {
	ids, err := c.juju.RelationIDs(ctx, Endpoint)
	if err != nil {
		return nil, err
	}
	var out []Provider
	for _, id := range ids {
		if c.event.Kind == juju.RelationBroken && id == c.event.RelationID {
			continue
		}
		app, err := c.juju.RelationApp(ctx, id)
		if err != nil {
			return nil, err
		}
		appData, err := c.juju.RelationGet(ctx, id, app, true)
		if err != nil {
			return nil, err
		}
		units, err := c.juju.RelationList(ctx, id)
		if err != nil {
			return nil, err
		}
		unitData := map[string]map[string]string{}
		for _, u := range units {
			if unitData[u], err = c.juju.RelationGet(ctx, id, u, false); err != nil {
				return nil, err
			}
		}
		p, ok, err := ParseProvider(appData, unitData)
		if err != nil {
			return nil, fmt.Errorf("cannot read %s of %s: %w", id, app, err)
		}
		if ok {
			out = append(out, p)
		}
	}
	return out, nil
}

// writeRules writes each provider's rules that promtool accepts and
// removes those of providers gone; it reports whether any file changed
// and each provider whose rules were refused, with promtool's word.
func (c *Charm) writeRules(ctx context.Context, providers []Provider) (bool, []string, error) {
	want := map[string]string{}
	for _, p := range providers {
		if p.HasRules() {
			want[p.RuleFileName()] = p.Rules
		}
	}
	changed := false
	var invalid []string
	names := make([]string, 0, len(want))
	for n := range want {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		file := path.Join(RulesDir, name)
		if c.pull(file) == want[name] {
			continue
		}
		candidate := path.Join(StorageDir, "candidate.rules")
		if err := c.push(candidate, want[name]); err != nil {
			return false, nil, err
		}
		if out, err := c.promtool(ctx, candidate); err != nil {
			invalid = append(invalid, strings.TrimSuffix(name, ".rules")+": "+lastLine(out, err))
			delete(want, name)
			continue
		}
		if err := c.push(file, want[name]); err != nil {
			return false, nil, err
		}
		changed = true
	}
	files, err := c.container.Client.ListFiles(&client.ListFilesOptions{Path: RulesDir, Pattern: "*.rules"})
	if err != nil {
		return false, nil, fmt.Errorf("cannot list %s: %w", RulesDir, err)
	}
	for _, f := range files {
		if _, ok := want[f.Name()]; ok {
			continue
		}
		if err := c.container.Client.RemovePath(&client.RemovePathOptions{Path: path.Join(RulesDir, f.Name())}); err != nil {
			return false, nil, fmt.Errorf("cannot remove %s: %w", f.Name(), err)
		}
		changed = true
	}
	return changed, invalid, nil
}

// promtool checks a rule file as Prometheus would load it.
func (c *Charm) promtool(ctx context.Context, file string) (string, error) {
	return c.container.Exec(ctx, workload.Cmd{Args: []string{"/usr/bin/promtool", "check", "rules", file}, Timeout: time.Minute})
}

func lastLine(out string, err error) string {
	var ee *workload.ExecError
	if errors.As(err, &ee) {
		out = strings.TrimSpace(ee.Stderr + "\n" + ee.Stdout)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// checkRulesAction runs promtool on every loaded rule file.
func (c *Charm) checkRulesAction(ctx context.Context) error {
	files, err := c.container.Client.ListFiles(&client.ListFilesOptions{Path: RulesDir, Pattern: "*.rules"})
	if err != nil {
		return c.juju.ActionFail(ctx, fmt.Sprintf("cannot list %s: %v", RulesDir, err))
	}
	results := map[string]string{"files": fmt.Sprint(len(files))}
	failed := false
	for i, f := range files {
		out, err := c.promtool(ctx, path.Join(RulesDir, f.Name()))
		key := fmt.Sprintf("file-%d", i)
		results[key+".name"] = f.Name()
		if err != nil {
			failed = true
			results[key+".result"] = lastLine(out, err)
			continue
		}
		results[key+".result"] = strings.TrimSpace(out)
	}
	if err := c.juju.ActionSet(ctx, results); err != nil {
		return err
	}
	if failed {
		return c.juju.ActionFail(ctx, "promtool refused a rule file")
	}
	return nil
}

func (c *Charm) pull(p string) string {
	var b strings.Builder
	if err := c.container.Client.Pull(&client.PullOptions{Path: p, Target: &b}); err != nil {
		return ""
	}
	return b.String()
}

func (c *Charm) push(p, content string) error {
	if err := c.container.Client.Push(&client.PushOptions{Source: strings.NewReader(content), Path: p, Permissions: 0o644, MakeDirs: true}); err != nil {
		return fmt.Errorf("cannot write %s: %w", p, err)
	}
	return nil
}

// ensureServer adds the layer and starts the server unless it runs; it
// reports whether it started it.
func (c *Charm) ensureServer() (bool, error) {
	// Pebble's replan change has tasks even when the service already
	// runs: whether it ran before says whether it read the new
	// configuration at its start.
	svcs, err := c.container.Client.Services(&client.ServicesOptions{Names: []string{ServiceName}})
	if err != nil {
		return false, fmt.Errorf("cannot read the services: %w", err)
	}
	wasRunning := len(svcs) == 1 && svcs[0].Current == client.StatusActive
	if err := c.container.Client.AddLayer(&client.AddLayerOptions{Combine: true, Label: ServiceName, LayerData: []byte(Layer())}); err != nil {
		return false, fmt.Errorf("cannot add the Pebble layer: %w", err)
	}
	if err := c.container.Replan("Prometheus"); err != nil {
		return false, err
	}
	return !wasRunning, nil
}

// reload asks the running server to read its configuration and rules
// again (the lifecycle API): a refused one answers 500 with the reason.
func reload(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, fmt.Sprintf("http://127.0.0.1:%d/-/reload", Port), nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reload Prometheus: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("cannot reload Prometheus: %s: %s", resp.Status, strings.TrimSpace(string(body)))
	}
	return nil
}
