// Package ui is the server side of the Python charm's `ui` endpoint
// (requires, interface temporal, limit 1), which temporal-ui-k8s reads
// alongside temporal-host-info. The protocol (incumbent.md §1.13,
// ecosystem.md "ui"): the server's leader writes one app key,
// server_status, "ready" or "blocked". The Python charm writes "ready"
// when its status is Active; so does this charm: Active means the server
// runs what its inputs call for, whatever note the status carries.
package ui

// Endpoint is the requires endpoint in metadata.yaml.
const Endpoint = "ui"

// StatusKey is the leader's app key.
const StatusKey = "server_status"

// Data is the leader's app data.
func Data(ready bool) map[string]string {
	if ready {
		return map[string]string{StatusKey: "ready"}
	}
	return map[string]string{StatusKey: "blocked"}
}
