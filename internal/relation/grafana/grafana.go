// Package grafana is the provider side of grafana-dashboard (interface
// grafana_dashboard), as the charm library grafana_k8s/v0/
// grafana_dashboard.py (LIBPATCH 39) writes it (ecosystem.md,
// "grafana_dashboard"): the leader's app key dashboards =
//
//	{"templates": {"file:<stem>": {"charm", "content", "juju_topology",
//	  "inject_dropdowns", "dashboard_alt_uid"}}, "uuid"}
//
// with content = base64(xz(the dashboard's JSON)). The dashboard keeps the
// Python charm's file name, temporal-monitoring.json.tmpl, so that its uid
// (hex of SHAKE256("<charm>-src/grafana_dashboards/<file>"), 20 bytes) and
// alt uid (hex of SHAKE256("<charm>-file:<stem>"), 8 bytes) are the
// Python charm's: after a refresh from it Grafana replaces its dashboard
// rather than showing two.
package grafana

import (
	"crypto/sha256"
	"crypto/sha3"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
)

// Endpoint is the provides endpoint in metadata.yaml.
const Endpoint = "grafana-dashboard"

// File is the dashboard's file name, as the Python charm's.
const File = "temporal-monitoring.json.tmpl"

// stem is Python's Path(File).stem.
const stem = "temporal-monitoring.json"

// UID is the dashboard uid the library computes for charm's File.
func UID(charm string) string {
	return hex.EncodeToString(sha3.SumSHAKE256([]byte(charm+"-src/grafana_dashboards/"+File), 20))
}

// AltUID is the library's dashboard_alt_uid.
func AltUID(charm string) string {
	return hex.EncodeToString(sha3.SumSHAKE256([]byte(charm+"-file:"+stem), 8))
}

type template struct {
	Charm           string            `json:"charm"`
	Content         string            `json:"content"`
	JujuTopology    map[string]string `json:"juju_topology"`
	InjectDropdowns bool              `json:"inject_dropdowns"`
	DashboardAltUID string            `json:"dashboard_alt_uid"`
}

// AppData is the leader's app data. Its uuid, which the library makes
// random on every write to signal a change, is here the hash of the
// templates: the same dashboard is the same data, and a write happens
// only when something changed.
func AppData(t juju.Topology) map[string]string {
	templates := map[string]template{
		"file:" + stem: {
			Charm:   t.Charm,
			Content: base64.StdEncoding.EncodeToString(xz(Dashboard(UID(t.Charm)))),
			JujuTopology: map[string]string{
				"model": t.Model, "model_uuid": t.ModelUUID, "application": t.App, "unit": t.Unit,
			},
			InjectDropdowns: true,
			DashboardAltUID: AltUID(t.Charm),
		},
	}
	data, _ := json.Marshal(templates)
	sum := sha256.Sum256(data)
	out, _ := json.Marshal(map[string]any{"templates": templates, "uuid": hex.EncodeToString(sum[:16])})
	return map[string]string{"dashboards": string(out)}
}
