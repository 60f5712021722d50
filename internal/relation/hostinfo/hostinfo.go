// Package hostinfo is the provider side of temporal-host-info, the
// interface the current temporal-admin-k8s, temporal-ui-k8s and worker
// charms use to find the server (charm library temporal_host_info,
// LIBPATCH 3, as incumbent.md §2c records it). Only the leader of an
// application that runs the frontend writes; the address is the
// application's Kubernetes Service, so it holds across pod churn.
package hostinfo

import "fmt"

// Endpoint is the provides endpoint in metadata.yaml.
const Endpoint = "temporal-host-info"

// Port is the frontend's gRPC port, which the Service forwards.
const Port = "7233"

// ServiceHost is the application's Kubernetes Service name in its model,
// which clients in the cluster resolve.
func ServiceHost(app, model string) string {
	return app + "." + model + ".svc.cluster.local"
}

// UnitHost is the name of unit n's pod on the headless Service Juju
// creates for every application (<app>-endpoints).
func UnitHost(app string, n int, model string) string {
	return fmt.Sprintf("%s-%d.%s-endpoints.%s.svc.cluster.local", app, n, app, model)
}

// Data is the leader's app data: host, port and whether the frontend
// serves TLS ("false" until it does).
func Data(app, model string, tls bool) map[string]string {
	t := "false"
	if tls {
		t = "true"
	}
	return map[string]string{
		"host": ServiceHost(app, model),
		"port": Port,
		"tls":  t,
	}
}
