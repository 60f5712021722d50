package selfsigned

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"slices"
	"strings"

	"github.com/temporal-k8s/temporal-k8s/internal/relation/tlscerts"
)

// ParseRequests reads a requirer unit's (or application's)
// certificate_signing_requests; no key is no request.
func ParseRequests(data map[string]string) ([]tlscerts.Request, error) {
	raw := data[tlscerts.RequestsKey]
	if raw == "" {
		return nil, nil
	}
	var reqs []tlscerts.Request
	if err := json.Unmarshal([]byte(raw), &reqs); err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", tlscerts.RequestsKey, err)
	}
	return reqs, nil
}

// Outstanding are the requests without a certificate, as the library's
// get_outstanding_certificate_requests finds them: no issued entry that
// is not revoked, has the request's CSR and certifies the CSR's key.
func Outstanding(reqs []tlscerts.Request, issued []tlscerts.Provided) []tlscerts.Request {
	var out []tlscerts.Request
	for _, r := range reqs {
		if !issuedFor(r.CSR, issued) {
			out = append(out, r)
		}
	}
	return out
}

func issuedFor(csr string, issued []tlscerts.Provided) bool {
	for _, p := range issued {
		if p.Revoked || !tlscerts.SameCSR(p.CSR, csr) {
			continue
		}
		// The library stops at the first match, certified or not.
		return certifiesCSRKey(p.Certificate, csr)
	}
	return false
}

func certifiesCSRKey(certPEM, csrPEM string) bool {
	cb, _ := pem.Decode([]byte(certPEM))
	rb, _ := pem.Decode([]byte(csrPEM))
	if cb == nil || rb == nil {
		return false
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return false
	}
	csr, err := x509.ParseCertificateRequest(rb.Bytes)
	if err != nil {
		return false
	}
	return slices.Equal(cert.RawSubjectPublicKeyInfo, csr.RawSubjectPublicKeyInfo)
}

// Set is set_relation_certificate: the entry for p's CSR replaced by p,
// or p appended.
func Set(issued []tlscerts.Provided, p tlscerts.Provided) []tlscerts.Provided {
	out := slices.DeleteFunc(slices.Clone(issued), func(q tlscerts.Provided) bool { return tlscerts.SameCSR(q.CSR, p.CSR) })
	return append(out, p)
}

// RevokeAll is revoke_all_certificates: every entry kept, marked revoked.
func RevokeAll(issued []tlscerts.Provided) []tlscerts.Provided {
	out := slices.Clone(issued)
	for i := range out {
		out[i].Revoked = true
	}
	return out
}

// AppData is the provider's app databag for issued.
func AppData(issued []tlscerts.Provided) map[string]string {
	if issued == nil {
		issued = []tlscerts.Provided{}
	}
	b, err := json.Marshal(issued)
	if err != nil {
		// A list of structs of strings cannot fail to encode.
		panic(fmt.Sprintf("cannot encode certificates: %v", err))
	}
	return map[string]string{tlscerts.CertificatesKey: string(b)}
}

// TransferData is certificate_transfer v1's provider app data: the CA
// certificates, a JSON list of PEM strings.
func TransferData(caPEMs ...string) map[string]string {
	certs := make([]string, 0, len(caPEMs))
	for _, c := range caPEMs {
		certs = append(certs, strings.TrimSpace(c)+"\n")
	}
	b, _ := json.Marshal(certs)
	return map[string]string{"certificates": string(b)}
}

// Prune is the library's _remove_certificates_for_which_no_csr_exists:
// every entry whose request no requirer makes any more is dropped, so a
// requirer that renews with a new request has no certificate until the
// new one is issued.
func Prune(issued []tlscerts.Provided, reqs []tlscerts.Request) []tlscerts.Provided {
	var out []tlscerts.Provided
	for _, p := range issued {
		if slices.ContainsFunc(reqs, func(r tlscerts.Request) bool { return tlscerts.SameCSR(r.CSR, p.CSR) }) {
			out = append(out, p)
		}
	}
	return out
}
