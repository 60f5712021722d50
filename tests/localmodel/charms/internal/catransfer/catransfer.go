// Package catransfer reads the provider's side of certificate_transfer v1
// (receive-ca-cert): the CA certificates in its app data.
package catransfer

import (
	"context"
	"encoding/json"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/internal/relations"
)

// CertificatesKey is the provider's app data key: a JSON list of PEM.
const CertificatesKey = "certificates"

// PEMs are the certificates a provider's app data holds; data that does
// not read holds none.
func PEMs(data map[string]string) []string {
	var pems []string
	if json.Unmarshal([]byte(data[CertificatesKey]), &pems) != nil {
		return nil
	}
	return pems
}

// Received are the CA certificates the provider sends on the endpoint
// (limit 1) in the hook of ev: none while it is not related, or in its
// own relation-broken hook.
func Received(ctx context.Context, j *juju.Client, ev juju.Event, endpoint string) ([]string, error) {
	ids, err := relations.Live(ctx, j, ev, endpoint)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	data, err := relations.RemoteAppData(ctx, j, ids[0])
	if err != nil {
		return nil, err
	}
	return PEMs(data), nil
}
