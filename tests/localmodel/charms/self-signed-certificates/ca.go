// Package selfsigned is the certificate authority of the
// self-signed-certificates stand-in: a real CA in crypto/x509 that signs
// CSRs the way canonical/self-signed-certificates-operator (df04ad3) does
// with the tls-certificates v4 library: the subject and SANs copied from
// the CSR, subject and authority key identifiers, CA false, the chain
// [certificate, CA]; validity from the charm's `certificate-validity`
// option ("1m" is its shortest), so a test can ask for certificates that
// expire within a minute and watch them renewed.
package selfsigned

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"
)

// CA is a certificate authority: its key and self-signed certificate.
type CA struct {
	Cert *x509.Certificate
	Key  *rsa.PrivateKey
	// PEM is Cert, PEM encoded: what the provider sends as "ca".
	PEM string
}

// caBackdate is how long before its making a CA is valid from, so a clock
// a little behind still accepts it.
const caBackdate = time.Minute

// Validity is the validity the CA was made with.
func (ca *CA) Validity() time.Duration {
	return ca.Cert.NotAfter.Sub(ca.Cert.NotBefore) - caBackdate
}

// NewCA is a CA named commonName, valid from now for validity.
func NewCA(rnd io.Reader, commonName string, now time.Time, validity time.Duration) (*CA, error) {
	key, err := rsa.GenerateKey(rnd, 2048)
	if err != nil {
		return nil, fmt.Errorf("cannot generate the CA key: %w", err)
	}
	serial, err := serialNumber(rnd)
	if err != nil {
		return nil, err
	}
	ski := keyID(&key.PublicKey)
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: commonName},
		NotBefore:             now.Add(-caBackdate),
		NotAfter:              now.Add(validity),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		SubjectKeyId:          ski,
	}
	der, err := x509.CreateCertificate(rnd, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("cannot sign the CA certificate: %w", err)
	}
	return parseCA(der, key)
}

func parseCA(der []byte, key *rsa.PrivateKey) (*CA, error) {
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("cannot parse the CA certificate: %w", err)
	}
	return &CA{Cert: cert, Key: key, PEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))}, nil
}

// LoadCA reads a CA kept as PEM certificate and PKCS#1 key.
func LoadCA(certPEM, keyPEM string) (*CA, error) {
	cb, _ := pem.Decode([]byte(certPEM))
	kb, _ := pem.Decode([]byte(keyPEM))
	if cb == nil || kb == nil {
		return nil, errors.New("cannot read the CA: no PEM block")
	}
	key, err := x509.ParsePKCS1PrivateKey(kb.Bytes)
	if err != nil {
		return nil, fmt.Errorf("cannot read the CA key: %w", err)
	}
	return parseCA(cb.Bytes, key)
}

// KeyPEM is the CA's key, PEM PKCS#1, for the charm's own secret.
func (ca *CA) KeyPEM() string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(ca.Key)}))
}

// Sign issues a certificate for csrPEM valid from now for validity (never
// past the CA's own expiry), and the chain [certificate, CA].
func (ca *CA) Sign(rnd io.Reader, csrPEM string, now time.Time, validity time.Duration) (certPEM string, chain []string, err error) {
	block, _ := pem.Decode([]byte(csrPEM))
	if block == nil || block.Type != "CERTIFICATE REQUEST" {
		return "", nil, errors.New("cannot read the CSR: no PEM CERTIFICATE REQUEST block")
	}
	csr, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		return "", nil, fmt.Errorf("cannot read the CSR: %w", err)
	}
	if err := csr.CheckSignature(); err != nil {
		return "", nil, fmt.Errorf("cannot trust the CSR: %w", err)
	}
	pub, ok := csr.PublicKey.(*rsa.PublicKey)
	if !ok {
		return "", nil, fmt.Errorf("cannot sign a %T key: want RSA", csr.PublicKey)
	}
	serial, err := serialNumber(rnd)
	if err != nil {
		return "", nil, err
	}
	notAfter := now.Add(validity)
	if notAfter.After(ca.Cert.NotAfter) {
		notAfter = ca.Cert.NotAfter
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		RawSubject:            csr.RawSubject,
		DNSNames:              csr.DNSNames,
		IPAddresses:           csr.IPAddresses,
		NotBefore:             now,
		NotAfter:              notAfter,
		IsCA:                  false,
		BasicConstraintsValid: true,
		SubjectKeyId:          keyID(pub),
		AuthorityKeyId:        ca.Cert.SubjectKeyId,
	}
	// The request's other extensions are copied, its extended key usage
	// among them; the provider adds no usage of its own
	// (_generate_certificate_request_extensions, LIBPATCH 27). The
	// names above and the identifiers are the provider's.
	for _, e := range csr.Extensions {
		if !slices.ContainsFunc(managedExtensions, e.Id.Equal) {
			tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, e)
		}
	}
	der, err := x509.CreateCertificate(rnd, tmpl, ca.Cert, pub, ca.Key)
	if err != nil {
		return "", nil, fmt.Errorf("cannot sign the certificate: %w", err)
	}
	certPEM = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	return certPEM, []string{certPEM, ca.PEM}, nil
}

// managedExtensions are the extensions the provider sets itself: subject
// alternative name, authority and subject key identifiers, basic
// constraints.
var managedExtensions = []asn1.ObjectIdentifier{{2, 5, 29, 17}, {2, 5, 29, 35}, {2, 5, 29, 14}, {2, 5, 29, 19}}

// keyID is the SHA-1 of the public key's PKCS#1 bytes, RFC 5280's
// method (1), as cryptography's SubjectKeyIdentifier.from_public_key.
func keyID(pub *rsa.PublicKey) []byte {
	sum := sha1.Sum(x509.MarshalPKCS1PublicKey(pub))
	return sum[:]
}

func serialNumber(rnd io.Reader) (*big.Int, error) {
	n, err := rand.Int(rnd, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("cannot make a serial number: %w", err)
	}
	return n.Add(n, big.NewInt(1)), nil
}

// ParseValidity reads the charm's validity options as its
// _parse_config_time_string does: a whole number of days, or a number
// and a unit, m, h, d or w ("90d", "1m"); zero or less is invalid, as its
// _invalid_configs says.
func ParseValidity(option, value string) (time.Duration, error) {
	bad := fmt.Errorf("cannot use %s=%q: want a number of days, or a number and a unit (m, h, d, w), like 90d", option, value)
	units := map[byte]time.Duration{'m': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour}
	digits, unit := value, 24*time.Hour
	if value != "" && (value[len(value)-1] < '0' || value[len(value)-1] > '9') {
		u, ok := units[value[len(value)-1]]
		if !ok {
			return 0, bad
		}
		digits, unit = value[:len(value)-1], u
	}
	n, err := strconv.Atoi(digits)
	if err != nil || n <= 0 || strings.TrimSpace(digits) != digits {
		return 0, bad
	}
	return time.Duration(n) * unit, nil
}
