package tlscerts

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestLabels(t *testing.T) {
	t.Parallel()
	require.Equal(t, "afd8c2bccf834997afce12c2706d2ede-private-key-3-frontend-certificates", PrivateKeyLabel(3, "frontend-certificates"))
	// sha256("csr") in hex (printf csr | sha256sum).
	require.Equal(t, "afd8c2bccf834997afce12c2706d2ede-certificate-0-c27338c453067b437471afbce792704d816112c6031bb996b62c698ea599ef80", CertificateLabel(0, "csr"))
	require.NotEqual(t, CertificateLabel(0, "a"), CertificateLabel(0, "b"))
	require.NotEqual(t, CertificateLabel(0, "a"), CertificateLabel(1, "a"))
}

var testKey = func() *rsa.PrivateKey {
	text, err := NewPrivateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	key, err := ParsePrivateKey(text)
	if err != nil {
		panic(err)
	}
	return key
}()

func TestPrivateKey(t *testing.T) {
	t.Parallel()
	text, err := NewPrivateKey(rand.Reader)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(text, "-----BEGIN RSA PRIVATE KEY-----\n"), text[:40])
	key, err := ParsePrivateKey(text)
	require.NoError(t, err)
	require.Equal(t, KeyBits, key.N.BitLen())

	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	again, err := ParsePrivateKey(string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})))
	require.NoError(t, err)
	require.True(t, key.Equal(again))

	_, err = ParsePrivateKey("not a key")
	require.ErrorContains(t, err, "no PEM block")
	_, err = ParsePrivateKey(string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte("junk")})))
	require.ErrorContains(t, err, "cannot parse the private key")
}

func TestNewCSR(t *testing.T) {
	t.Parallel()
	s := Subject{
		CommonName: "temporal-k8s-0.temporal-k8s-endpoints.m.svc.cluster.local",
		DNSNames:   []string{"temporal-k8s-0.temporal-k8s-endpoints.m.svc.cluster.local", "temporal-k8s.m.svc.cluster.local"},
		IPs:        []net.IP{net.ParseIP("10.1.2.3")},
	}
	text, err := NewCSR(rand.Reader, testKey, s)
	require.NoError(t, err)
	block, _ := pem.Decode([]byte(text))
	require.Equal(t, "CERTIFICATE REQUEST", block.Type)
	csr, err := x509.ParseCertificateRequest(block.Bytes)
	require.NoError(t, err)
	require.NoError(t, csr.CheckSignature())
	require.Equal(t, x509.SHA256WithRSA, csr.SignatureAlgorithm)
	require.Equal(t, s.CommonName, csr.Subject.CommonName)
	require.Equal(t, s.DNSNames, csr.DNSNames)
	require.True(t, csr.IPAddresses[0].Equal(s.IPs[0]))
	require.True(t, csr.PublicKey.(*rsa.PublicKey).Equal(&testKey.PublicKey))

	// The subject's x500UniqueIdentifier: a UUID4 as a UTF8String.
	var rdns pkix.RDNSequence
	_, err = asn1.Unmarshal(csr.RawSubject, &rdns)
	require.NoError(t, err)
	var ids []string
	for _, rdn := range rdns {
		for _, atv := range rdn {
			if atv.Type.Equal(oidX500UniqueIdentifier) {
				ids = append(ids, atv.Value.(string))
			}
		}
	}
	require.Len(t, ids, 1)
	require.Regexp(t, regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`), ids[0])
	require.Contains(t, string(csr.RawSubject), "\x0c\x24"+ids[0], "UTF8String (tag 12) of 36 bytes")

	// Two requests for the same names differ, as the library's do.
	other, err := NewCSR(rand.Reader, testKey, s)
	require.NoError(t, err)
	require.NotEqual(t, text, other)

	_, err = NewCSR(rand.Reader, testKey, Subject{})
	require.ErrorContains(t, err, "common name")
}

func TestUnitData(t *testing.T) {
	t.Parallel()
	data := UnitData("CSR1\n", "CSR2\n")
	require.JSONEq(t, `[{"certificate_signing_request":"CSR1\n","ca":false},{"certificate_signing_request":"CSR2\n","ca":false}]`, data[RequestsKey])
	none := UnitData()
	require.Equal(t, "[]", none[RequestsKey])
}

// testCA is a CA that signs CSRs as a provider would.
type testCA struct {
	cert *x509.Certificate
	key  *rsa.PrivateKey
	pem  string
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return &testCA{cert: cert, key: key, pem: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))}
}

func (ca *testCA) sign(t *testing.T, csrPEM string, isCA bool) string {
	t.Helper()
	block, _ := pem.Decode([]byte(csrPEM))
	csr, err := x509.ParseCertificateRequest(block.Bytes)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               csr.Subject,
		DNSNames:              csr.DNSNames,
		NotBefore:             time.Now().Add(-time.Minute),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  isCA,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, csr.PublicKey, ca.key)
	require.NoError(t, err)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func providerData(t *testing.T, certs ...Provided) map[string]string {
	t.Helper()
	b, err := json.Marshal(certs)
	require.NoError(t, err)
	return map[string]string{CertificatesKey: string(b)}
}

func TestFind(t *testing.T) {
	t.Parallel()
	ca := newTestCA(t)
	csr, err := NewCSR(rand.Reader, testKey, Subject{CommonName: "a.example"})
	require.NoError(t, err)
	otherCSR, err := NewCSR(rand.Reader, testKey, Subject{CommonName: "b.example"})
	require.NoError(t, err)
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	foreign := ca.sign(t, mustCSR(t, otherKey), false)
	mine := ca.sign(t, csr, false)

	for _, tc := range []struct {
		name  string
		certs []Provided
		err   string
		is    error
	}{
		{"none yet", nil, "", ErrNotIssued},
		{"only another unit's", []Provided{{CA: ca.pem, CSR: otherCSR, Certificate: ca.sign(t, otherCSR, false)}}, "", ErrNotIssued},
		{"mine, with the CSR's text re-wrapped", []Provided{{CA: ca.pem, CSR: "\n" + strings.TrimSpace(csr) + "  ", Certificate: mine, Chain: []string{mine, ca.pem}}}, "", nil},
		{"mine, without a chain", []Provided{{CA: ca.pem, CSR: csr, Certificate: mine}}, "", nil},
		{"revoked", []Provided{{CA: ca.pem, CSR: csr, Certificate: mine, Revoked: true}}, "", ErrRevoked},
		{"for another key", []Provided{{CA: ca.pem, CSR: csr, Certificate: foreign}}, "certifies another key", nil},
		{"a CA", []Provided{{CA: ca.pem, CSR: csr, Certificate: ca.sign(t, csr, true)}}, "it is a CA", nil},
		{"not PEM", []Provided{{CA: ca.pem, CSR: csr, Certificate: "junk"}}, "no PEM CERTIFICATE block", nil},
		{"a CA that is not PEM", []Provided{{CA: "junk", CSR: csr, Certificate: mine}}, "cannot read the issuing CA", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			certs, err := ParseProvider(providerData(t, tc.certs...))
			require.NoError(t, err)
			got, err := Find(certs, csr, testKey)
			switch {
			case tc.is != nil:
				require.ErrorIs(t, err, tc.is)
			case tc.err != "":
				require.ErrorContains(t, err, tc.err)
			default:
				require.NoError(t, err)
				require.Equal(t, strings.TrimSpace(mine)+"\n", got.PEM)
				require.Equal(t, strings.TrimSpace(ca.pem)+"\n", got.CAPEM)
				require.Equal(t, strings.TrimSpace(mine)+"\n"+strings.TrimSpace(ca.pem)+"\n", got.ChainPEM)
				require.Equal(t, "a.example", got.Leaf.Subject.CommonName)
				pool := x509.NewCertPool()
				require.True(t, pool.AppendCertsFromPEM([]byte(got.CAPEM)))
				_, err := got.Leaf.Verify(x509.VerifyOptions{Roots: pool})
				require.NoError(t, err)
			}
		})
	}
}

func mustCSR(t *testing.T, key *rsa.PrivateKey) string {
	t.Helper()
	csr, err := NewCSR(rand.Reader, key, Subject{CommonName: "a.example"})
	require.NoError(t, err)
	return csr
}

func TestSameCSR(t *testing.T) {
	t.Parallel()
	csr := mustCSR(t, testKey)
	other := mustCSR(t, testKey)
	block, _ := pem.Decode([]byte(csr))
	rewrapped := "-----BEGIN CERTIFICATE REQUEST-----\n"
	b64 := strings.Join(strings.Split(strings.TrimSpace(csr), "\n")[1:len(strings.Split(strings.TrimSpace(csr), "\n"))-1], "")
	for len(b64) > 0 {
		n := min(76, len(b64))
		rewrapped += b64[:n] + "\n"
		b64 = b64[n:]
	}
	rewrapped += "-----END CERTIFICATE REQUEST-----"
	require.NotEqual(t, csr, rewrapped)
	require.NotNil(t, block)
	require.True(t, SameCSR(csr, rewrapped), "lines of 76, not 64")
	require.True(t, SameCSR(csr, "  "+csr+"\n"))
	require.False(t, SameCSR(csr, other))
	require.True(t, SameCSR(" x ", "x"))
	require.False(t, SameCSR(csr, "x"))
}

func TestParseProvider(t *testing.T) {
	t.Parallel()
	certs, err := ParseProvider(map[string]string{})
	require.NoError(t, err)
	require.Empty(t, certs)
	certs, err = ParseProvider(map[string]string{CertificatesKey: ""})
	require.NoError(t, err)
	require.Empty(t, certs)
	certs, err = ParseProvider(map[string]string{CertificatesKey: `[{"ca":"C","certificate_signing_request":"R","certificate":"X","chain":["X","C"],"revoked":true}]`})
	require.NoError(t, err)
	require.Equal(t, []Provided{{CA: "C", CSR: "R", Certificate: "X", Chain: []string{"X", "C"}, Revoked: true}}, certs)
	_, err = ParseProvider(map[string]string{CertificatesKey: `{"not":"a list"}`})
	require.ErrorContains(t, err, "cannot read the provider's certificates")
}

func TestRenewAt(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	cert := &x509.Certificate{NotBefore: now.Add(-50 * time.Hour), NotAfter: now.Add(100 * time.Hour)}
	require.Equal(t, now.Add(90*time.Hour), RenewAt(cert, now))
	expired := &x509.Certificate{NotBefore: now.Add(-2 * time.Hour), NotAfter: now.Add(-time.Hour)}
	require.Equal(t, now, RenewAt(expired, now))
}

func TestOwnCSR(t *testing.T) {
	t.Parallel()
	data := UnitData("CSR1\n")
	for _, tc := range []struct {
		name, want, err string
		data            map[string]string
	}{
		{"none", "", "", map[string]string{}},
		{"empty list", "", "", map[string]string{RequestsKey: "[]"}},
		{"one", "CSR1\n", "", data},
		{"junk", "", "cannot read this unit's certificate_signing_requests", map[string]string{RequestsKey: "{"}},
	} {
		got, err := OwnCSR(tc.data)
		if tc.err != "" {
			require.ErrorContains(t, err, tc.err, tc.name)
			continue
		}
		require.NoError(t, err, tc.name)
		require.Equal(t, tc.want, got, tc.name)
	}
}

// A request fits only the key and the names it was made for.
func TestFits(t *testing.T) {
	t.Parallel()
	s := Subject{CommonName: "a.example", DNSNames: []string{"a.example", "svc.example"}, IPs: []net.IP{net.ParseIP("10.0.0.1")}}
	csr, err := NewCSR(rand.Reader, testKey, s)
	require.NoError(t, err)
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	require.True(t, Fits(csr, testKey, s))
	require.False(t, Fits(csr, otherKey, s), "another key")
	other := s
	other.CommonName = "b.example"
	require.False(t, Fits(csr, testKey, other), "another common name")
	other = s
	other.DNSNames = []string{"a.example"}
	require.False(t, Fits(csr, testKey, other), "fewer names")
	other = s
	other.IPs = []net.IP{net.ParseIP("10.0.0.2")}
	require.False(t, Fits(csr, testKey, other), "another address")
	other = s
	other.IPs = nil
	require.False(t, Fits(csr, testKey, other), "no address")
	require.False(t, Fits("junk", testKey, s))
	require.False(t, Fits(strings.Replace(csr, "CERTIFICATE REQUEST", "CERTIFICATE", 2), testKey, s), "not a request")
	other = s
	other.Mutual = true
	require.False(t, Fits(csr, testKey, other), "a request for one end asked again for both")
	mutual, err := NewCSR(rand.Reader, testKey, other)
	require.NoError(t, err)
	require.True(t, Fits(mutual, testKey, other))
	require.False(t, Fits(mutual, testKey, s), "a request for both ends asked again for one")
}

// A request for mutual TLS asks for serverAuth and clientAuth, which the
// library's provider copies from the request into the certificate
// (_generate_certificate_request_extensions, LIBPATCH 27); a plain one
// asks for no usage.
func TestNewCSRMutual(t *testing.T) {
	t.Parallel()
	parse := func(text string) *x509.CertificateRequest {
		block, _ := pem.Decode([]byte(text))
		csr, err := x509.ParseCertificateRequest(block.Bytes)
		require.NoError(t, err)
		return csr
	}
	text, err := NewCSR(rand.Reader, testKey, Subject{CommonName: "temporal-internode", DNSNames: []string{"temporal-internode"}, Mutual: true})
	require.NoError(t, err)
	csr := parse(text)
	require.Len(t, csr.Extensions, 2, "the names and the usage")
	var usage []asn1.ObjectIdentifier
	for _, e := range csr.Extensions {
		if e.Id.Equal(asn1.ObjectIdentifier{2, 5, 29, 37}) {
			_, err := asn1.Unmarshal(e.Value, &usage)
			require.NoError(t, err)
			require.False(t, e.Critical)
		}
	}
	require.Equal(t, []asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 1}, {1, 3, 6, 1, 5, 5, 7, 3, 2}}, usage)

	text, err = NewCSR(rand.Reader, testKey, Subject{CommonName: "a.example", DNSNames: []string{"a.example"}})
	require.NoError(t, err)
	require.Len(t, parse(text).Extensions, 1, "the names only")
}

// A certificate for mutual TLS may authenticate both ends: no usage (any),
// both, or any; one alone is refused, naming the other.
func TestMutual(t *testing.T) {
	t.Parallel()
	tests := []struct {
		usage   []x509.ExtKeyUsage
		wantErr string
	}{
		{nil, ""},
		{[]x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}, ""},
		{[]x509.ExtKeyUsage{x509.ExtKeyUsageAny}, ""},
		{[]x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, "the certificate is not for both ends of mutual TLS: its extended key usage has no clientAuth"},
		{[]x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, "the certificate is not for both ends of mutual TLS: its extended key usage has no serverAuth"},
	}
	for _, tt := range tests {
		err := Mutual(&x509.Certificate{ExtKeyUsage: tt.usage})
		if tt.wantErr == "" {
			require.NoError(t, err, tt.usage)
			continue
		}
		require.ErrorIs(t, err, ErrNotMutual)
		require.EqualError(t, err, tt.wantErr)
	}
}

// What a unit may serve while its renewal is outstanding: a certificate
// for its key, valid now, and not revoked.
func TestCertifiesAndRevoked(t *testing.T) {
	t.Parallel()
	ca := newTestCA(t)
	csr := mustCSR(t, testKey)
	mine := ca.sign(t, csr, false)
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	now := time.Now()
	require.True(t, Certifies(mine+ca.pem, testKey, now))
	require.False(t, Certifies(mine, otherKey, now), "another key")
	require.False(t, Certifies(mine, testKey, now.Add(2*time.Hour)), "expired")
	require.False(t, Certifies(mine, testKey, now.Add(-2*time.Minute)), "not valid yet")
	require.False(t, Certifies("junk", testKey, now))

	require.False(t, RevokedCertificate([]Provided{{Certificate: mine}}, mine))
	require.True(t, RevokedCertificate([]Provided{{Certificate: "junk", Revoked: true}, {Certificate: mine, Revoked: true}}, mine+ca.pem))
	require.False(t, RevokedCertificate([]Provided{{Certificate: ca.sign(t, csr, false), Revoked: true}}, mine), "another certificate for the same request")
	require.False(t, RevokedCertificate([]Provided{{Certificate: mine, Revoked: true}}, "junk"))
}

// failingReader has run dry.
type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }

// A request needs randomness for its unique identifier; a key must be
// RSA, as the library's.
func TestKeyAndRequestFailures(t *testing.T) {
	t.Parallel()
	_, err := NewCSR(failingReader{}, testKey, Subject{CommonName: "a.example"})
	require.ErrorContains(t, err, "cannot make a unique identifier")
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	der, err := x509.MarshalPKCS8PrivateKey(ec)
	require.NoError(t, err)
	_, err = ParsePrivateKey(string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})))
	require.ErrorContains(t, err, "cannot use a *ecdsa.PrivateKey private key: want RSA")
}

// The provider's entry is found among others, its chain taken as sent,
// and a certificate that does not parse is refused.
func TestFindAmongOthers(t *testing.T) {
	t.Parallel()
	ca := newTestCA(t)
	csr := mustCSR(t, testKey)
	other := mustCSR(t, testKey)
	mine := ca.sign(t, csr, false)
	inter := newTestCA(t)
	certs := []Provided{
		{CA: ca.pem, CSR: other, Certificate: ca.sign(t, other, false)},
		{CA: ca.pem, CSR: csr, Certificate: mine, Chain: []string{mine, inter.pem, ca.pem}},
	}
	got, err := Find(certs, csr, testKey)
	require.NoError(t, err)
	require.Equal(t, strings.TrimSpace(mine)+"\n"+strings.TrimSpace(inter.pem)+"\n"+strings.TrimSpace(ca.pem)+"\n", got.ChainPEM, "the chain as the provider sent it")
	junk := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("junk")}))
	_, err = Find([]Provided{{CA: ca.pem, CSR: csr, Certificate: junk}}, csr, testKey)
	require.ErrorContains(t, err, "cannot parse a certificate: x509:")
}

// A request whose signature does not hold, or that does not parse, fits
// nothing.
func TestFitsRefusesBrokenRequests(t *testing.T) {
	t.Parallel()
	s := Subject{CommonName: "a.example", DNSNames: []string{"a.example"}}
	csr, err := NewCSR(rand.Reader, testKey, s)
	require.NoError(t, err)
	block, _ := pem.Decode([]byte(csr))
	tampered := append([]byte(nil), block.Bytes...)
	tampered[len(tampered)-1] ^= 0xff
	require.True(t, Fits(csr, testKey, s))
	require.False(t, Fits(string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: tampered})), testKey, s), "a broken signature")
	require.False(t, Fits(string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: []byte("junk")})), testKey, s), "not DER")
}
