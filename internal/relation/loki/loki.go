// Package loki is the requirer side of logging (interface loki_push_api,
// v1), as the charm library loki_k8s/v1/loki_push_api.py (LIBPATCH 13)
// does it with Pebble log forwarding (ecosystem.md, "loki_push_api v1"):
//
//   - each Loki unit writes endpoint = {"url": "http://…:3100/loki/api/v1/push"}
//     in its own databag;
//   - the requirer's leader writes metadata (the Juju topology, JSON) and
//     alert_rules ("{}": the charm has no log alert rules);
//   - every requirer unit adds a Pebble layer, label
//     <container>-log-forwarding, combined, with one log target per Loki
//     unit: type loki, its push URL, services [all], labels with the Juju
//     topology. Pebble cannot delete a target, so that of a Loki unit gone
//     is kept with services [-all], which forwards nothing.
//
// The server logs to stdout (log.stdout in its configuration), which is
// what Pebble forwards.
package loki

import (
	"encoding/json"
	"maps"
	"strings"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/internal/workload"
)

// Endpoint is the requires endpoint in metadata.yaml.
const Endpoint = "logging"

// AppData is the leader's app data.
func AppData(t juju.Topology) map[string]string {
	return map[string]string{"metadata": t.JSON(), "alert_rules": "{}"}
}

// PushURL reads a Loki unit's endpoint; "" when it has not written one
// or it does not parse.
func PushURL(unitData map[string]string) string {
	var ep struct {
		URL string `json:"url"`
	}
	if json.Unmarshal([]byte(unitData["endpoint"]), &ep) != nil {
		return ""
	}
	return strings.TrimSpace(ep.URL)
}

// LayerLabel is the label of the log forwarding layer in container.
func LayerLabel(container string) string { return container + "-log-forwarding" }

// Layer is the log forwarding layer for the Loki units' push URLs (unit
// name → URL): a target per unit, and the targets current holds of units
// no longer there disabled.
func Layer(t juju.Topology, urls map[string]string, current map[string]workload.LogTarget) workload.Layer {
	labels := map[string]string{
		"product": "Juju", "charm": t.Charm, "juju_model": t.Model, "juju_model_uuid": t.ModelUUID,
		"juju_application": t.App, "juju_unit": t.Unit,
	}
	targets := map[string]workload.LogTarget{}
	for unit, url := range urls {
		targets[unit] = workload.LogTarget{Override: "replace", Type: "loki", Location: url, Services: []string{"all"}, Labels: maps.Clone(labels)}
	}
	for name, old := range current {
		if _, ok := targets[name]; ok || isDisabled(old) {
			continue
		}
		old.Override = "replace"
		old.Services = []string{"-all"}
		targets[name] = old
	}
	return workload.Layer{LogTargets: targets}
}

func isDisabled(t workload.LogTarget) bool {
	return len(t.Services) > 0 && t.Services[len(t.Services)-1] == "-all"
}

// Applied reports whether the plan already holds the layer's targets.
func Applied(layer workload.Layer, plan map[string]workload.LogTarget) bool {
	for name, want := range layer.LogTargets {
		got, ok := plan[name]
		if !ok || got.Type != want.Type || got.Location != want.Location ||
			strings.Join(got.Services, ",") != strings.Join(want.Services, ",") || !maps.Equal(got.Labels, want.Labels) {
			return false
		}
	}
	return true
}
