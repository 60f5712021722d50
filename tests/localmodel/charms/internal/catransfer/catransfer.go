// Package catransfer reads the provider's side of certificate_transfer v1
// (receive-ca-cert): the CA certificates in its app data.
package catransfer

import "encoding/json"

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
