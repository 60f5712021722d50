// Package tlscerts is the requirer side of the tls-certificates v4
// protocol, as the Python charm's `frontend-certificates` endpoint speaks
// it (tls_certificates_interface/v4, LIBID afd8c2bccf834997afce12c2706d2ede;
// spec charm-relation-interfaces/interfaces/tls_certificates/v1; the keys
// in ecosystem.md "tls-certificates v4"):
//
//   - the private key is RSA 2048, PEM "RSA PRIVATE KEY", kept in a
//     unit-owned secret labelled PrivateKeyLabel, content key "private-key",
//     so a refresh from the Python charm keeps its key;
//   - the CSR's subject is CN plus x500UniqueIdentifier = a UUID4 (UTF8String,
//     as Python's cryptography encodes it), with DNS and IP SANs, SHA-256;
//   - each unit writes certificate_signing_requests =
//     [{"certificate_signing_request": PEM, "ca": false}];
//   - the provider's app data has certificates = [{"ca",
//     "certificate_signing_request", "certificate", "chain", "revoked"?}],
//     and a requirer's entry is the one whose CSR is its own, text for text;
//   - a certificate is renewed 90 % of the way from its arrival to its
//     expiry (the library's secret expiry) with a new CSR from the same
//     key; a revoked one is dropped.
//
// Everything here is pure: keys and CSRs take their randomness as an
// io.Reader, times are passed in.
package tlscerts

import (
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"time"
)

// LibID is the library's id, the prefix of its secret labels.
const LibID = "afd8c2bccf834997afce12c2706d2ede"

// Keys of the relation data and secret content.
const (
	RequestsKey     = "certificate_signing_requests"
	CertificatesKey = "certificates"
	PrivateKeyField = "private-key"
)

// KeyBits is the library's RSA key size.
const KeyBits = 2048

// renewFraction is when, in a certificate's life, the library renews it.
const renewFraction = 0.9

// oidX500UniqueIdentifier is X.520's x500UniqueIdentifier (2.5.4.45).
var oidX500UniqueIdentifier = asn1.ObjectIdentifier{2, 5, 4, 45}

// PrivateKeyLabel is the label of the unit's private-key secret for
// endpoint.
func PrivateKeyLabel(unitNumber int, endpoint string) string {
	return fmt.Sprintf("%s-private-key-%d-%s", LibID, unitNumber, endpoint)
}

// CertificateLabel is the label of the secret the library keeps a
// certificate in, whose expiry triggers its renewal.
func CertificateLabel(unitNumber int, csrPEM string) string {
	sum := sha256.Sum256([]byte(csrPEM))
	return fmt.Sprintf("%s-certificate-%d-%s", LibID, unitNumber, hex.EncodeToString(sum[:]))
}

// NewPrivateKey is a new RSA key as the library makes it, PEM encoded.
func NewPrivateKey(rand io.Reader) (string, error) {
	_, text, err := GenerateKey(rand)
	return text, err
}

// GenerateKey is a new RSA key as the library makes it, and its PEM.
func GenerateKey(rand io.Reader) (*rsa.PrivateKey, string, error) {
	key, err := rsa.GenerateKey(rand, KeyBits)
	if err != nil {
		return nil, "", fmt.Errorf("cannot generate a private key: %w", err)
	}
	return key, string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})), nil
}

// ParsePrivateKey reads a PEM RSA key, PKCS#1 or PKCS#8.
func ParsePrivateKey(text string) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode([]byte(text))
	if block == nil {
		return nil, errors.New("cannot parse the private key: no PEM block")
	}
	if key, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return key, nil
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("cannot parse the private key: %w", err)
	}
	rsaKey, ok := key.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("cannot use a %T private key: want RSA", key)
	}
	return rsaKey, nil
}

// Subject is what a CSR asks for.
type Subject struct {
	CommonName string
	DNSNames   []string
	IPs        []net.IP
	// Mutual asks for a certificate for both ends of mutual TLS: the
	// request carries an extended key usage of serverAuth and
	// clientAuth, which the library's provider copies into the
	// certificate (it adds no usage of its own).
	Mutual bool
}

// oidExtKeyUsage is the extended key usage extension (RFC 5280 4.2.1.12)
// and the two usages of mutual TLS.
var (
	oidExtKeyUsage = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidServerAuth  = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 1}
	oidClientAuth  = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 2}
)

// mutualUsage is the extension a Mutual request carries.
func mutualUsage() pkix.Extension {
	// Marshalling a fixed list of OIDs cannot fail.
	value, _ := asn1.Marshal([]asn1.ObjectIdentifier{oidServerAuth, oidClientAuth})
	return pkix.Extension{Id: oidExtKeyUsage, Value: value}
}

// asksMutual reports whether a request carries mutualUsage.
func asksMutual(req *x509.CertificateRequest) bool {
	want := mutualUsage()
	for _, e := range req.Extensions {
		if e.Id.Equal(oidExtKeyUsage) {
			return string(e.Value) == string(want.Value)
		}
	}
	return false
}

// ErrNotMutual is a certificate whose extended key usage leaves out one
// end of mutual TLS.
var ErrNotMutual = errors.New("the certificate is not for both ends of mutual TLS")

// Mutual checks that a certificate may authenticate both a server and a
// client: it names no extended key usage (any usage), or both, or any.
func Mutual(leaf *x509.Certificate) error {
	if len(leaf.ExtKeyUsage) == 0 || slices.Contains(leaf.ExtKeyUsage, x509.ExtKeyUsageAny) {
		return nil
	}
	for _, u := range []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth} {
		if !slices.Contains(leaf.ExtKeyUsage, u) {
			name := "serverAuth"
			if u == x509.ExtKeyUsageClientAuth {
				name = "clientAuth"
			}
			return fmt.Errorf("%w: its extended key usage has no %s", ErrNotMutual, name)
		}
	}
	return nil
}

// NewCSR is a PEM CSR for subject signed by key, with a fresh
// x500UniqueIdentifier so two requests for the same names differ, as the
// library's do.
func NewCSR(rand io.Reader, key *rsa.PrivateKey, s Subject) (string, error) {
	if s.CommonName == "" {
		return "", errors.New("cannot make a CSR without a common name")
	}
	id, err := uuid4(rand)
	if err != nil {
		return "", err
	}
	tmpl := &x509.CertificateRequest{
		Subject: pkix.Name{
			CommonName: s.CommonName,
			ExtraNames: []pkix.AttributeTypeAndValue{{
				Type:  oidX500UniqueIdentifier,
				Value: asn1.RawValue{Tag: asn1.TagUTF8String, Bytes: []byte(id)},
			}},
		},
		DNSNames:           s.DNSNames,
		IPAddresses:        s.IPs,
		SignatureAlgorithm: x509.SHA256WithRSA,
	}
	if s.Mutual {
		tmpl.ExtraExtensions = []pkix.Extension{mutualUsage()}
	}
	der, err := x509.CreateCertificateRequest(rand, tmpl, key)
	if err != nil {
		return "", fmt.Errorf("cannot make a CSR: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})), nil
}

func uuid4(rand io.Reader) (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(rand, b[:]); err != nil {
		return "", fmt.Errorf("cannot make a unique identifier: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}

// Request is one entry of a unit's certificate_signing_requests.
type Request struct {
	CSR string `json:"certificate_signing_request"`
	CA  bool   `json:"ca"`
}

// UnitData is a unit's databag for the CSRs it has outstanding.
func UnitData(csrs ...string) map[string]string {
	reqs := make([]Request, 0, len(csrs))
	for _, csr := range csrs {
		reqs = append(reqs, Request{CSR: csr})
	}
	// A list of structs of strings and bools cannot fail to encode.
	b, _ := json.Marshal(reqs)
	return map[string]string{RequestsKey: string(b)}
}

// Provided is one entry of the provider's certificates.
type Provided struct {
	CA          string   `json:"ca"`
	CSR         string   `json:"certificate_signing_request"`
	Certificate string   `json:"certificate"`
	Chain       []string `json:"chain"`
	Revoked     bool     `json:"revoked,omitempty"`
}

// ParseProvider reads the provider's app data; no key is no certificate
// yet.
func ParseProvider(app map[string]string) ([]Provided, error) {
	raw, ok := app[CertificatesKey]
	if !ok || raw == "" {
		return nil, nil
	}
	var certs []Provided
	if err := json.Unmarshal([]byte(raw), &certs); err != nil {
		return nil, fmt.Errorf("cannot read the provider's %s: %w", CertificatesKey, err)
	}
	return certs, nil
}

// ErrNotIssued is returned by Find while the provider has no certificate
// for the CSR.
var ErrNotIssued = errors.New("no certificate issued for the request yet")

// ErrRevoked is returned by Find for a certificate the provider revoked.
var ErrRevoked = errors.New("the provider revoked the certificate")

// Certificate is a certificate issued for a unit's CSR, checked against
// its key.
type Certificate struct {
	// PEM is the certificate and CAPEM the issuing CA; ChainPEM the
	// chain the provider sent, leaf first.
	PEM, CAPEM, ChainPEM string
	Leaf                 *x509.Certificate
}

// SameCSR says whether two PEM CSRs are the same request: the library
// compares the parsed requests, so line breaks and surrounding space do
// not matter. Text that is not PEM is compared trimmed.
func SameCSR(a, b string) bool {
	ab, _ := pem.Decode([]byte(a))
	bb, _ := pem.Decode([]byte(b))
	if ab == nil || bb == nil {
		return strings.TrimSpace(a) == strings.TrimSpace(b)
	}
	return ab.Type == bb.Type && string(ab.Bytes) == string(bb.Bytes)
}

// Find is the certificate issued for csrPEM, matched by the request as the
// library matches it, and refused unless it certifies key.
func Find(certs []Provided, csrPEM string, key *rsa.PrivateKey) (Certificate, error) {
	for _, p := range certs {
		if !SameCSR(p.CSR, csrPEM) {
			continue
		}
		if p.Revoked {
			return Certificate{}, ErrRevoked
		}
		leaf, err := parseCertificate(p.Certificate)
		if err != nil {
			return Certificate{}, err
		}
		pub, ok := leaf.PublicKey.(*rsa.PublicKey)
		if !ok || !pub.Equal(&key.PublicKey) {
			return Certificate{}, errors.New("cannot use the certificate issued for the request: it certifies another key")
		}
		if leaf.IsCA {
			return Certificate{}, errors.New("cannot use the certificate issued for the request: it is a CA")
		}
		if _, err := parseCertificate(p.CA); err != nil {
			return Certificate{}, fmt.Errorf("cannot read the issuing CA: %w", err)
		}
		chain := p.Chain
		if len(chain) == 0 {
			chain = []string{p.Certificate, p.CA}
		}
		return Certificate{
			PEM:      strings.TrimSpace(p.Certificate) + "\n",
			CAPEM:    strings.TrimSpace(p.CA) + "\n",
			ChainPEM: joinPEM(chain),
			Leaf:     leaf,
		}, nil
	}
	return Certificate{}, ErrNotIssued
}

func joinPEM(blocks []string) string {
	var b strings.Builder
	for _, s := range blocks {
		b.WriteString(strings.TrimSpace(s))
		b.WriteString("\n")
	}
	return b.String()
}

func parseCertificate(text string) (*x509.Certificate, error) {
	block, _ := pem.Decode([]byte(text))
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("cannot parse a certificate: no PEM CERTIFICATE block")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("cannot parse a certificate: %w", err)
	}
	return cert, nil
}

// RenewAt is when the library renews cert received at now: its
// certificate secret expires 90 % of the way from now to the certificate's
// expiry (calculate_relative_datetime(expiry, 0.9)).
func RenewAt(cert *x509.Certificate, now time.Time) time.Time {
	left := cert.NotAfter.Sub(now)
	if left <= 0 {
		return now
	}
	return now.Add(time.Duration(float64(left) * renewFraction))
}

// OwnCSR is the CSR a unit's databag asks for, "" when none; the charm
// asks for one certificate per unit.
func OwnCSR(unit map[string]string) (string, error) {
	raw := unit[RequestsKey]
	if raw == "" {
		return "", nil
	}
	var reqs []Request
	if err := json.Unmarshal([]byte(raw), &reqs); err != nil {
		return "", fmt.Errorf("cannot read this unit's %s: %w", RequestsKey, err)
	}
	if len(reqs) == 0 {
		return "", nil
	}
	return reqs[0].CSR, nil
}

// Fits reports whether csrPEM asks, with key, for exactly what s names: a
// request made for other names, or by another key, is asked again.
func Fits(csrPEM string, key *rsa.PrivateKey, s Subject) bool {
	block, _ := pem.Decode([]byte(csrPEM))
	if block == nil || block.Type != "CERTIFICATE REQUEST" {
		return false
	}
	req, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil || req.CheckSignature() != nil {
		return false
	}
	pub, ok := req.PublicKey.(*rsa.PublicKey)
	if !ok || !pub.Equal(&key.PublicKey) || req.Subject.CommonName != s.CommonName || asksMutual(req) != s.Mutual {
		return false
	}
	if !slices.Equal(req.DNSNames, s.DNSNames) || len(req.IPAddresses) != len(s.IPs) {
		return false
	}
	for i, ip := range req.IPAddresses {
		if !ip.Equal(s.IPs[i]) {
			return false
		}
	}
	return true
}

// Certifies reports whether chainPEM's first certificate certifies key
// and is valid at now: what a unit may go on serving while its renewal is
// outstanding.
func Certifies(chainPEM string, key *rsa.PrivateKey, now time.Time) bool {
	leaf, err := parseCertificate(chainPEM)
	if err != nil || now.Before(leaf.NotBefore) || !now.Before(leaf.NotAfter) {
		return false
	}
	pub, ok := leaf.PublicKey.(*rsa.PublicKey)
	return ok && pub.Equal(&key.PublicKey)
}

// RevokedCertificate reports whether the provider lists chainPEM's first
// certificate as revoked.
func RevokedCertificate(certs []Provided, chainPEM string) bool {
	leaf, err := parseCertificate(chainPEM)
	if err != nil {
		return false
	}
	for _, p := range certs {
		if c, err := parseCertificate(p.Certificate); err == nil && p.Revoked && c.Equal(leaf) {
			return true
		}
	}
	return false
}
