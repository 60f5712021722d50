package walkthrough

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/canonical/pebble/client"
)

// AppCA is the TLS provider of the TLS scenario.
const AppCA = "self-signed-certificates"

// CertificateValidity is the lifetime of the certificates the TLS
// scenario's CA issues: short, so that a renewal (at 90 % of it) comes
// within the scenario.
const CertificateValidity = 4 * time.Minute

// FrontendTLS runs the README's deployment under a load without TLS,
// relates the TLS provider to the frontend application and its CA to the
// admin, and checks what a client sees: 7233 serves the provider's chain
// with the unit's FQDN and the application's Service among its names, a
// client without TLS is refused, the clients that move to TLS with the CA
// carry on every workflow started before the switch (none lost), the SDK
// runs workflows, and the admin's cli reaches the server over TLS as
// temporal-host-info tells it to, and so does the real UI server, with the
// CA it receives likewise. Then, under the TLS load, the certificate is
// renewed by the charm as Juju's secret-expired calls for it: the served
// certificate changes, the server does not restart, and no start is
// refused or lost.
func (s *Scenario) FrontendTLS(ctx context.Context) error {
	if err := s.Deploy(ctx); err != nil {
		return err
	}
	// Ingress without TLS: both providers in turn, h2c to the frontend
	// (nginx-route's own TLS off, as its secret does not exist).
	scales := s.scales(s.units())
	if err := s.ThroughIngress(ctx, traefikRoute, scales); err != nil {
		return err
	}
	if err := s.run(ctx, "config", AppFrontend, "tls-secret-name="); err != nil {
		return err
	}
	if err := s.ThroughIngress(ctx, integratorRoute, scales); err != nil {
		return err
	}
	status, err := s.CLI.Status(ctx)
	if err != nil {
		return err
	}
	hostPort := net.JoinHostPort(status.Applications[AppFrontend].Address, "7233")
	before, err := s.serverSince(ctx, AppFrontend+"/0")
	if err != nil {
		return err
	}
	plainLoad, steady, err := StartSteadyLoadAt(ctx, Endpoint{HostPort: hostPort}, 10, "tls")
	if err != nil {
		return err
	}
	defer func() {
		if plainLoad != nil {
			plainLoad.Stop(time.Second)
		}
	}()

	start := time.Now()
	if err := s.deploy(ctx, AppCA, "", "certificate-validity="+fmt.Sprintf("%dm", int(CertificateValidity.Minutes()))); err != nil {
		return err
	}
	if err := s.relate(ctx, AppFrontend+":frontend-certificates", AppCA+":certificates"); err != nil {
		return err
	}
	if err := s.relate(ctx, AppAdmin+":receive-ca-cert", AppCA+":send-ca-cert"); err != nil {
		return err
	}
	scales[AppCA] = 1
	// Active alone is not enough: a unit waiting for its certificate is
	// active, serving without TLS, and says so.
	if _, err := s.waitStatus(ctx, s.Timeouts.Settle, func(st *Status) error {
		if err := st.Settled(scales); err != nil {
			return err
		}
		for name, u := range st.Applications[AppFrontend].Units {
			if u.WorkloadStatus.Message != "" {
				return fmt.Errorf("%s: %s", name, u.WorkloadStatus.Message)
			}
		}
		return nil
	}); err != nil {
		return err
	}
	s.record("frontend-certificates related → every frontend serving TLS", time.Since(start))

	roots, err := s.caRoots(ctx)
	if err != nil {
		return err
	}
	// The Service forwards to the restarted pod once Juju's readiness
	// probe, every 5 s, finds its Pebble ready again.
	var leaf *x509.Certificate
	for wait := time.Now().Add(time.Minute); ; {
		if leaf, err = servedCertificate(ctx, hostPort, roots); err == nil {
			break
		}
		if time.Now().After(wait) {
			return fmt.Errorf("%w (%s)", err, s.serverCheck(AppFrontend+"/0"))
		}
		if err := sleep(ctx, time.Second); err != nil {
			return err
		}
	}
	after, err := s.serverSince(ctx, AppFrontend+"/0")
	if err != nil {
		return err
	}
	if !after.After(before) {
		return fmt.Errorf("the frontend's server did not restart into TLS (running since %s)", before)
	}
	service, err := serviceName(leaf.DNSNames)
	if err != nil {
		return err
	}
	unitFQDN := AppFrontend + "-0." + AppFrontend + "-endpoints." + strings.TrimPrefix(service, AppFrontend+".")
	s.printf("7233 serves %q issued by %q, valid until %s, names %v\n", leaf.Subject.CommonName, leaf.Issuer.CommonName, leaf.NotAfter.Format(time.RFC3339), leaf.DNSNames)
	if leaf.Subject.CommonName != unitFQDN || !slices.Contains(leaf.DNSNames, unitFQDN) {
		return fmt.Errorf("the certificate is for %q %v, want the unit's FQDN %s", leaf.Subject.CommonName, leaf.DNSNames, unitFQDN)
	}
	secure := Endpoint{HostPort: hostPort, TLS: &tls.Config{RootCAs: roots, ServerName: service, MinVersion: tls.VersionTLS12}}

	// The clients move to TLS: a load with the CA, on the same task
	// queue, carries on what the load without TLS started.
	secureLoad, _, err := StartSteadyLoadAt(ctx, secure, 10, "tls")
	if err != nil {
		return err
	}
	defer func() {
		if secureLoad != nil {
			secureLoad.Stop(time.Second)
		}
	}()
	switched := plainLoad.StopThrough(secureLoad, 2*time.Minute)
	plainLoad = nil
	s.printf("clients without TLS across the switch (%s): %s\n", steady, switched)
	if len(switched.Failed) > 0 || switched.Started == 0 {
		return fmt.Errorf("workflows started without TLS before the switch were lost: %s %v", switched, switched.Failed)
	}

	// A client without TLS is refused: the server speaks nothing else.
	plainCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	_, plainErr := runWorkflowOnce(plainCtx, Endpoint{HostPort: hostPort}, workflowID("plain"))
	cancel()
	if plainErr == nil {
		return errors.New("a client without TLS ran a workflow on a frontend that serves TLS")
	}
	s.printf("a client without TLS: %v\n", plainErr)
	if err := s.tlsWorkflow(ctx, secure); err != nil {
		return err
	}
	if err := s.httpAPI(ctx, status.Applications[AppFrontend].Address, secure.TLS); err != nil {
		return err
	}
	// The admin reaches the server through temporal-host-info, which
	// now says tls "true", with the CA from receive-ca-cert.
	if err := s.ClusterHealth(ctx); err != nil {
		return err
	}
	load := secureLoad
	secureLoad = nil
	if err := s.renewUnderLoad(ctx, load, after, secure, roots, leaf); err != nil {
		return err
	}
	// Ingress with TLS: nginx-route's backend is now GRPCS, and traefik's
	// https, verified against the CA it receives.
	if err := s.ThroughIngress(ctx, integratorRoute, scales); err != nil {
		return err
	}
	if err := s.ThroughIngress(ctx, traefikRoute, scales); err != nil {
		return err
	}
	// So does the UI server, whose workflow list Chromium renders: with
	// the load stopped, the last workflow leads the list.
	if err := s.tlsWorkflow(ctx, secure); err != nil {
		return err
	}
	if err := s.deploy(ctx, AppUI, ""); err != nil {
		return err
	}
	for _, rel := range [][2]string{{AppFrontend + ":ui", AppUI + ":ui"}, {AppFrontend + ":temporal-host-info", AppUI + ":temporal-host-info"}, {AppUI + ":receive-ca-cert", AppCA + ":send-ca-cert"}} {
		if err := s.relate(ctx, rel[0], rel[1]); err != nil {
			return err
		}
	}
	scales[AppUI] = 1
	if _, err := s.WaitSettled(ctx, scales, s.Timeouts.Deploy); err != nil {
		return err
	}
	return s.CheckUI(ctx)
}

// caRoots is the TLS provider's CA, as its get-ca-certificate action
// gives it to an operator for the SDK clients.
func (s *Scenario) caRoots(ctx context.Context) (*x509.CertPool, error) {
	res, err := s.CLI.RunAction(ctx, AppCA+"/0", "get-ca-certificate")
	if err != nil {
		return nil, err
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM([]byte(res.Result("ca-certificate"))) {
		return nil, fmt.Errorf("get-ca-certificate gave no certificate: %v", res.Results)
	}
	return roots, nil
}

// tlsWorkflow runs a workflow through the secure endpoint.
func (s *Scenario) tlsWorkflow(ctx context.Context, secure Endpoint) error {
	ctx, cancel := context.WithTimeout(ctx, s.Timeouts.Workflow)
	defer cancel()
	result, id, err := RunWorkflowAt(ctx, secure, workflowID("tls"))
	if err != nil {
		return err
	}
	s.Completed = append(s.Completed, id)
	s.printf("workflow through %s: %q\n", secure, result)
	return nil
}

// renewUnderLoad keeps the TLS load on the frontend until the certificate
// the charm renews on secret-expired is served, and some seconds more,
// and stops it. The server must still be the one that started at since,
// into TLS.
func (s *Scenario) renewUnderLoad(ctx context.Context, load *Load, since time.Time, secure Endpoint, roots *x509.CertPool, old *x509.Certificate) error {
	p50, p99, err := load.WaitSteady(ctx, SteadyWindow, SteadyBound, SteadyLimit)
	if err != nil {
		load.Stop(time.Second)
		return err
	}
	steady := fmt.Sprintf("steady before it: p50 %s, p99 %s", p50.Round(time.Millisecond), p99.Round(time.Millisecond))
	// Renewed at 90 % of the certificate's life; allow the rest of it
	// and a minute for the hooks.
	deadline := old.NotAfter.Add(time.Minute)
	var renewed *x509.Certificate
	for renewed == nil {
		if time.Now().After(deadline) {
			load.Stop(time.Second)
			return fmt.Errorf("the certificate valid until %s was not renewed by %s", old.NotAfter.Format(time.RFC3339), deadline.Format(time.RFC3339))
		}
		if err := sleep(ctx, 2*time.Second); err != nil {
			load.Stop(time.Second)
			return err
		}
		leaf, err := servedCertificate(ctx, secure.HostPort, roots)
		if err == nil && !leaf.Equal(old) {
			renewed = leaf
		}
	}
	s.printf("renewed: serial %s → %s, valid until %s\n", old.SerialNumber, renewed.SerialNumber, renewed.NotAfter.Format(time.RFC3339))
	if err := sleep(ctx, 15*time.Second); err != nil {
		load.Stop(time.Second)
		return err
	}
	result := load.Stop(time.Minute)
	s.printf("a renewal under load: %s; %s\n", steady, result)
	if result.Refused > 0 || len(result.Failed) > 0 || result.Started == 0 {
		return fmt.Errorf("the renewal cost clients: %s", result)
	}
	after, err := s.serverSince(ctx, AppFrontend+"/0")
	if err != nil {
		return err
	}
	if !after.Equal(since) {
		return fmt.Errorf("the frontend's server restarted for the renewal (running since %s, was %s)", after, since)
	}
	return nil
}

// servedCertificate is the certificate hostPort serves, verified against
// roots (names are checked by the callers).
func servedCertificate(ctx context.Context, hostPort string, roots *x509.CertPool) (*x509.Certificate, error) {
	d := tls.Dialer{Config: &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: []string{"h2"},
		// Verified below against roots; the names are the callers'.
		InsecureSkipVerify: true, //nolint:gosec
		VerifyConnection: func(cs tls.ConnectionState) error {
			inter := x509.NewCertPool()
			for _, c := range cs.PeerCertificates[1:] {
				inter.AddCert(c)
			}
			_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter})
			return err
		},
	}}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := d.DialContext(ctx, "tcp", hostPort)
	if err != nil {
		return nil, fmt.Errorf("cannot read the certificate %s serves: %w", hostPort, err)
	}
	defer conn.Close()
	return conn.(*tls.Conn).ConnectionState().PeerCertificates[0], nil
}

// serviceName is the name of the frontend application's Service among a
// certificate's names: <app>.<model>.svc.cluster.local.
func serviceName(names []string) (string, error) {
	for _, n := range names {
		model, ok := strings.CutPrefix(n, AppFrontend+".")
		if ok && strings.Count(model, ".") == 3 && strings.HasSuffix(model, ".svc.cluster.local") {
			return n, nil
		}
	}
	return "", fmt.Errorf("no %s.<model>.svc.cluster.local among the certificate's names %v", AppFrontend, names)
}

// serverCheck says how the unit's readiness check is, for an error
// message.
func (s *Scenario) serverCheck(unit string) string {
	cl, err := podPebble(unit, "temporal")
	if err != nil {
		return err.Error()
	}
	defer cl.CloseIdleConnections()
	checks, err := cl.Checks(&client.ChecksOptions{})
	if err != nil {
		return err.Error()
	}
	var out []string
	for _, c := range checks {
		out = append(out, fmt.Sprintf("%s check %s: %s, %d failures", unit, c.Name, c.Status, c.Failures))
	}
	return strings.Join(out, "; ")
}

// serverSince is when the temporal-server service of unit last started,
// as its Pebble says.
func (s *Scenario) serverSince(ctx context.Context, unit string) (time.Time, error) {
	cl, err := podPebble(unit, "temporal")
	if err != nil {
		return time.Time{}, err
	}
	defer cl.CloseIdleConnections()
	infos, err := cl.Services(&client.ServicesOptions{Names: []string{"temporal-server"}})
	if err != nil {
		return time.Time{}, fmt.Errorf("cannot read %s's services: %w", unit, err)
	}
	if len(infos) != 1 || infos[0].Current != client.StatusActive {
		return time.Time{}, fmt.Errorf("%s's temporal-server is not running: %v", unit, infos)
	}
	return infos[0].CurrentSince, nil
}

// httpAPI asks the frontend's HTTP API (7243), which serves TLS with the
// same certificate, for the walkthrough's namespace, with the CA; a
// client without TLS is refused there too.
func (s *Scenario) httpAPI(ctx context.Context, address string, cfg *tls.Config) error {
	base := "://" + net.JoinHostPort(address, "7243") + "/api/v1/namespaces/" + Namespace
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	secure := &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}}
	defer secure.CloseIdleConnections()
	var ns struct {
		NamespaceInfo struct {
			Name string `json:"name"`
		} `json:"namespaceInfo"`
	}
	if err := getJSONWith(ctx, secure, "https"+base, &ns); err != nil {
		return fmt.Errorf("the HTTP API over TLS: %w", err)
	}
	if ns.NamespaceInfo.Name != Namespace {
		return fmt.Errorf("the HTTP API over TLS described namespace %q, want %q", ns.NamespaceInfo.Name, Namespace)
	}
	plainErr := getJSONWith(ctx, http.DefaultClient, "http"+base, &ns)
	if plainErr == nil {
		return errors.New("the HTTP API answered a client without TLS")
	}
	s.printf("HTTP API https%s: namespace %q; without TLS: %v\n", base, ns.NamespaceInfo.Name, plainErr)
	return nil
}
