package walkthrough

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/canonical/pebble/client"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"gopkg.in/yaml.v3"
)

// Internode TLS as the charm renders it (internal/temporal: the shared
// name every unit's certificate holds, the files, the environment that
// says so in the server's plan).
const (
	internodeName     = "temporal-internode"
	internodeCertFile = "/etc/temporal/config/internode.crt"
	internodeKeyFile  = "/etc/temporal/config/internode.key"
	internodeEnv      = "TEMPORAL_K8S_INTERNODE_TLS"
	internodeProxy    = "temporal-internode-proxy"
	internodeModeFile = "/etc/temporal/config/internode-proxy-mode"
	historyGRPC       = "7234"
	historyMembership = "6934"
	historyHealthName = "temporal.api.workflowservice.v1.HistoryService" // what Temporal registers (grpchealth.Service)
)

// InternodeTLS runs the README's deployment, with history, matching and
// worker following the frontend on internode-rollout-hub, under a steady
// workflow load and relates every application's internode-certificates
// to self-signed-certificates: every unit restarts twice, in its
// application's turn, behind its proxy and then into mutual TLS between
// every server process, each step once the whole cluster has taken the
// one before. No workflow started is lost and no start is refused. Then a history unit, seen from
// outside, serves gRPC and membership only to a peer that shows a
// certificate of the CA: a client without TLS and one without a
// certificate are refused, one with the unit's own certificate is
// answered; the rings are whole. Then the relations are removed under the
// load: back to no TLS by the same steps, again without losing or
// refusing a workflow, and the history unit answers a client without
// TLS.
func (s *Scenario) InternodeTLS(ctx context.Context) error {
	if err := s.Deploy(ctx); err != nil {
		return err
	}
	if err := s.deploy(ctx, AppCA, ""); err != nil {
		return err
	}
	scales := s.scales(s.units())
	scales[AppCA] = 1
	status, err := s.WaitSettled(ctx, scales, s.Timeouts.Deploy)
	if err != nil {
		return err
	}
	roots, err := s.caRoots(ctx)
	if err != nil {
		return err
	}
	hostPort := net.JoinHostPort(status.Applications[AppFrontend].Address, "7233")
	apps := []string{AppFrontend, AppHistory, AppMatching, AppWorker}
	history := status.Addresses(AppHistory)[0]
	if err := s.internodePlain(ctx, history); err != nil {
		return fmt.Errorf("before internode TLS: %w", err)
	}
	// The applications that run only history, matching or worker follow
	// the frontend's, which sums the cluster's stages up (README
	// "Internode mutual TLS").
	for _, app := range apps[1:] {
		if err := s.relate(ctx, app+":internode-rollout-hub", AppFrontend+":internode-rollout"); err != nil {
			return err
		}
	}
	if _, err := s.WaitSettled(ctx, scales, s.Timeouts.Settle); err != nil {
		return err
	}

	if err := s.switchInternode(ctx, hostPort, apps, scales, true, func() error {
		for _, app := range apps {
			if err := s.relate(ctx, app+":internode-certificates", AppCA+":certificates"); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	if err := s.internodeRefusals(ctx, AppHistory+"/0", history, roots); err != nil {
		return err
	}
	if err := s.internodeCluster(ctx); err != nil {
		return err
	}

	if err := s.switchInternode(ctx, hostPort, apps, scales, false, func() error {
		for _, app := range apps {
			if err := s.run(ctx, "remove-relation", app+":internode-certificates", AppCA+":certificates"); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	if err := s.internodePlain(ctx, history); err != nil {
		return fmt.Errorf("after internode TLS: %w", err)
	}
	return s.Check(ctx, s.units(), "internode-plain")
}

// internodeCluster checks the cluster while internode TLS is on: the
// charm's describe-cluster action (which shows internal-frontend the
// unit's certificate) finds every ring whole, a workflow runs, and the
// admin's cli answers through temporal-host-info. The admin's tctl
// action, which reaches internal-frontend (7236) by server-name without
// a certificate, cannot describe the cluster meanwhile, as the README
// says.
func (s *Scenario) internodeCluster(ctx context.Context) error {
	status, err := s.CLI.Status(ctx)
	if err != nil {
		return err
	}
	if err := s.CheckDescribeCluster(ctx, status); err != nil {
		return err
	}
	if err := s.Workflows(ctx, status, "internode-tls"); err != nil {
		return err
	}
	if err := s.ClusterHealth(ctx); err != nil {
		return err
	}
	if _, _, err := s.Describe(ctx); err == nil {
		return errors.New("the admin's tctl action described the cluster through internal-frontend without a certificate")
	} else {
		s.printf("the admin's tctl action through internal-frontend without a certificate: %v\n", err)
	}
	return nil
}

// switchInternode makes the change under a steady load and waits until
// every unit of apps runs with internode TLS on (or off), the model is
// settled with nothing to say, and the load is steady again: then no
// started workflow may be lost.
func (s *Scenario) switchInternode(ctx context.Context, hostPort string, apps []string, scales map[string]int, on bool, change func() error) error {
	what := onOff(on)
	load, steady, err := StartSteadyLoad(ctx, hostPort, RollingRate, "internode-"+what)
	if err != nil {
		return fmt.Errorf("before internode TLS %s: %w", what, err)
	}
	s.printf("internode TLS %s (%s)\n", what, steady)
	start := time.Now()
	err = change()
	if err == nil {
		_, err = s.waitStatus(ctx, s.Timeouts.Settle, func(st *Status) error {
			if err := st.Settled(scales); err != nil {
				return err
			}
			for _, app := range apps {
				for name, u := range st.Applications[app].Units {
					if u.WorkloadStatus.Message != "" {
						return fmt.Errorf("%s: %s", name, u.WorkloadStatus.Message)
					}
					got, err := internodeStage(name)
					if err != nil {
						return err
					}
					if want := onOff(on); got != want {
						return fmt.Errorf("%s runs internode TLS %s, not %s", name, got, want)
					}
				}
			}
			return nil
		})
	}
	if err == nil {
		s.record("internode TLS "+what+" → every unit restarted and settled", time.Since(start))
		// The cluster serves again: a window of starts each accepted
		// within the bound.
		_, _, err = load.WaitSteady(ctx, SteadyWindow, SteadyBound, SteadyLimit)
	}
	if err == nil {
		s.record("internode TLS "+what+" → the load steady again", time.Since(start))
	}
	result := load.Stop(3 * time.Minute)
	s.printf("internode TLS %s, load at %d/s: %s; refusals %v\n", what, RollingRate, result, result.Refusals)
	switch {
	case err != nil:
		return err
	case len(result.Failed) > 0 || result.Started == 0:
		return fmt.Errorf("workflows were lost as internode TLS went %s: %s %v", what, result, result.Failed)
	case result.Refused > 0:
		// Every server accepts both while the cluster is mixed.
		return fmt.Errorf("starts were refused as internode TLS went %s: %s %v", what, result, result.Refusals)
	}
	return nil
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

// internodeStage reads, from the unit's Pebble plan and the proxy's mode
// file, where the unit is: "on" (its server runs internode TLS, behind a
// proxy that refuses plaintext), "off" (no TLS, no proxy), or a stage on
// the way.
func internodeStage(unit string) (string, error) {
	cl, err := podPebble(unit, "temporal")
	if err != nil {
		return "", err
	}
	defer cl.CloseIdleConnections()
	data, err := cl.PlanBytes(&client.PlanOptions{})
	if err != nil {
		return "", fmt.Errorf("cannot read %s's plan: %w", unit, err)
	}
	var plan struct {
		Services map[string]struct {
			Command     string            `yaml:"command"`
			Environment map[string]string `yaml:"environment"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(data, &plan); err != nil {
		return "", fmt.Errorf("cannot read %s's plan: %w", unit, err)
	}
	// Once defined the proxy stays in the plan (layers combine); off, it
	// idles with no route.
	proxied := strings.Contains(plan.Services[internodeProxy].Command, " --route ")
	serverTLS := plan.Services["temporal-server"].Environment[internodeEnv] == "true"
	switch {
	case !proxied && !serverTLS:
		return "off", nil
	case !serverTLS:
		return "behind the proxy, without TLS", nil
	}
	var mode strings.Builder
	if err := cl.Pull(&client.PullOptions{Path: internodeModeFile, Target: &mode}); err != nil {
		return "", fmt.Errorf("cannot read %s of %s: %w", internodeModeFile, unit, err)
	}
	if strings.TrimSpace(mode.String()) == "strict" {
		return "on", nil
	}
	return "TLS, accepting plaintext", nil
}

// askHistory asks the history service at addr for its health.
func askHistory(ctx context.Context, addr string, creds credentials.TransportCredentials) error {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(creds))
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	res, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: historyHealthName})
	if err == nil && res.Status != healthpb.HealthCheckResponse_SERVING {
		err = fmt.Errorf("history is %s", res.Status)
	}
	return err
}

// internodePlain checks a history unit answers a client without TLS.
func (s *Scenario) internodePlain(ctx context.Context, ip string) error {
	addr := net.JoinHostPort(ip, historyGRPC)
	if err := askHistory(ctx, addr, insecure.NewCredentials()); err != nil {
		return fmt.Errorf("history at %s without TLS: %w", addr, err)
	}
	s.printf("history at %s answers a client without TLS\n", addr)
	return nil
}

// internodeRefusals checks, from outside the unit, that its history
// service and its membership serve TLS with a certificate of the CA for
// the shared name, and answer only a peer that shows one: the unit's own
// (pulled from its container) is answered; no TLS, or TLS without a
// certificate, is refused.
func (s *Scenario) internodeRefusals(ctx context.Context, unit, ip string, roots *x509.CertPool) error {
	cl, err := podPebble(unit, "temporal")
	if err != nil {
		return err
	}
	defer cl.CloseIdleConnections()
	pull := func(path string) ([]byte, error) {
		var b strings.Builder
		if err := cl.Pull(&client.PullOptions{Path: path, Target: &b}); err != nil {
			return nil, fmt.Errorf("cannot read %s of %s: %w", path, unit, err)
		}
		return []byte(b.String()), nil
	}
	certPEM, err := pull(internodeCertFile)
	if err != nil {
		return err
	}
	keyPEM, err := pull(internodeKeyFile)
	if err != nil {
		return err
	}
	peer, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return fmt.Errorf("cannot use %s's internode certificate: %w", unit, err)
	}
	withCert := &tls.Config{ServerName: internodeName, RootCAs: roots, Certificates: []tls.Certificate{peer}, MinVersion: tls.VersionTLS12}
	without := &tls.Config{ServerName: internodeName, RootCAs: roots, MinVersion: tls.VersionTLS12}
	addr := net.JoinHostPort(ip, historyGRPC)
	if err := askHistory(ctx, addr, credentials.NewTLS(withCert)); err != nil {
		return fmt.Errorf("history at %s with the unit's certificate, verified for %q against the CA: %w", addr, internodeName, err)
	}
	plainErr := askHistory(ctx, addr, insecure.NewCredentials())
	if plainErr == nil {
		return fmt.Errorf("history at %s answered a client without TLS", addr)
	}
	noCertErr := askHistory(ctx, addr, credentials.NewTLS(without))
	if noCertErr == nil {
		return fmt.Errorf("history at %s answered a client without a certificate", addr)
	}
	s.printf("history at %s: a peer with a certificate of the CA is answered; without TLS: %v; without a certificate: %v\n", addr, plainErr, noCertErr)

	// Membership (ringpop over TLS): the handshake needs a certificate.
	member := net.JoinHostPort(ip, historyMembership)
	if err := handshake(ctx, member, withCert); err != nil {
		return fmt.Errorf("membership at %s with the unit's certificate: %w", member, err)
	}
	memberErr := handshake(ctx, member, without)
	if memberErr == nil {
		return fmt.Errorf("membership at %s took a peer without a certificate", member)
	}
	s.printf("membership at %s: TLS with a certificate of the CA; without a certificate: %v\n", member, memberErr)
	return nil
}

// handshake completes a TLS handshake with addr and reads once: with TLS
// 1.3 a server refuses a client's certificate (or its absence) after the
// client's side of the handshake is done, so the refusal shows on the
// first read. A server that accepted sends nothing first, and the read
// times out.
func handshake(ctx context.Context, addr string, cfg *tls.Config) error {
	d := tls.Dialer{Config: cfg}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.SetReadDeadline(time.Now().Add(time.Second)); err != nil {
		return err
	}
	_, err = conn.Read(make([]byte, 1))
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return nil
	}
	if err == nil {
		return errors.New("the server spoke first")
	}
	return err
}
