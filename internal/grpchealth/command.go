package grpchealth

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// Command is the name the charm's binary answers to as the workload's
// health check: Pebble runs it in the workload container, where the charm
// pushes its own executable under this name.
const Command = "temporal-k8s-health"

// Timeout bounds one run of the check, below the Pebble check's own
// timeout so that a hung server is reported by name rather than as a
// killed command.
const Timeout = 800 * time.Millisecond

// Target is one service to ask: a Temporal role and its gRPC address,
// and whether it serves TLS.
type Target struct {
	Role string
	Addr string
	// TLS is set when the service serves TLS; CAFile, when set, is a PEM
	// file of the CAs its certificate must chain to. The workload's check
	// verifies the chain (a wrong certificate takes the unit out of its
	// Service); the charm, whose container does not hold the file, asks
	// only whether the server serves.
	TLS    bool
	CAFile string
	// CertFile and KeyFile, or Cert, are the client certificate a
	// service that asks for one (internode mutual TLS) is shown: files
	// in the workload's check, the certificate itself in the charm.
	CertFile, KeyFile string
	Cert              *tls.Certificate
}

// Arg is the target as Run reads it: ROLE=HOST:PORT, then ",ca=PATH" for
// a service that serves TLS and ",cert=PATH,key=PATH" for one that asks
// for a client certificate.
func (t Target) Arg() string {
	arg := t.Role + "=" + t.Addr
	if t.CAFile != "" {
		arg += ",ca=" + t.CAFile
	}
	if t.CertFile != "" {
		arg += ",cert=" + t.CertFile + ",key=" + t.KeyFile
	}
	return arg
}

// ErrUsage is returned for arguments Run cannot read.
var ErrUsage = errors.New("usage: " + Command + " ROLE=HOST:PORT" + optionsUsage + " [ROLE=HOST:PORT" + optionsUsage + "]")

const optionsUsage = "[,ca=PATH][,cert=PATH,key=PATH]"

// Run reads its arguments as targets and probes them.
func Run(ctx context.Context, args []string, dial func(ctx context.Context, network, addr string) (net.Conn, error)) error {
	if len(args) == 0 {
		return ErrUsage
	}
	targets := make([]Target, len(args))
	for i, a := range args {
		role, addr, ok := strings.Cut(a, "=")
		if _, known := Service[role]; !ok || !known {
			return fmt.Errorf("%w: %q is not a role (%s) and an address", ErrUsage, a, strings.Join(slices.Sorted(maps.Keys(Service)), ", "))
		}
		addr, opts, hasOpts := strings.Cut(addr, ",")
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return fmt.Errorf("%w: %q: %v", ErrUsage, a, err)
		}
		targets[i] = Target{Role: role, Addr: addr}
		if hasOpts {
			if err := targets[i].options(opts); err != nil {
				return fmt.Errorf("%w: %q: %v", ErrUsage, a, err)
			}
		}
	}
	return Probe(ctx, targets, dial)
}

// options reads the options after a target's address: any of them means
// the service serves TLS.
func (t *Target) options(opts string) error {
	for opt := range strings.SplitSeq(opts, ",") {
		name, path, _ := strings.Cut(opt, "=")
		var field *string
		switch name {
		case "ca":
			field = &t.CAFile
		case "cert":
			field = &t.CertFile
		case "key":
			field = &t.KeyFile
		}
		if field == nil || path == "" || *field != "" {
			return fmt.Errorf("want %s after the address", optionsUsage)
		}
		*field = path
	}
	if (t.CertFile == "") != (t.KeyFile == "") {
		return fmt.Errorf("want %s after the address: cert and key go together", optionsUsage)
	}
	t.TLS = true
	return nil
}

// Probe asks every target at once, for no longer than Timeout, and
// returns nil only when each is SERVING; otherwise its error names each
// one that is not, and why.
func Probe(ctx context.Context, targets []Target, dial func(ctx context.Context, network, addr string) (net.Conn, error)) error {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	plain := New(dial)
	errs := make([]error, len(targets))
	var wg sync.WaitGroup
	for i, t := range targets {
		c := plain
		if t.TLS {
			roots, err := t.roots()
			if err != nil {
				errs[i] = fmt.Errorf("%s is not healthy: %w", t.Role, err)
				continue
			}
			cert, err := t.clientCert()
			if err != nil {
				errs[i] = fmt.Errorf("%s is not healthy: %w", t.Role, err)
				continue
			}
			c = NewTLS(dial, roots, cert)
		}
		wg.Go(func() {
			switch s, err := c.Check(ctx, t.Addr, Service[t.Role]); {
			case err != nil:
				errs[i] = fmt.Errorf("%s is not healthy: %w", t.Role, err)
			case s != Serving:
				errs[i] = fmt.Errorf("%s is not healthy: %s at %s", t.Role, s, t.Addr)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Main is the command: Pebble reads its exit status, and shows what it
// printed when the check fails.
func Main(ctx context.Context, args []string, out io.Writer) int {
	if err := Run(ctx, args, nil); err != nil {
		fmt.Fprintln(out, err)
		return 1
	}
	return 0
}

// roots reads the target's CAs; nil without a CA file.
func (t Target) roots() (*x509.CertPool, error) {
	if t.CAFile == "" {
		return nil, nil
	}
	data, err := os.ReadFile(t.CAFile)
	if err != nil {
		return nil, fmt.Errorf("cannot read the CA: %w", err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(data) {
		return nil, errors.New("cannot read the CA: no PEM certificate")
	}
	return roots, nil
}

// clientCert is the certificate to show the service; nil without one.
func (t Target) clientCert() (*tls.Certificate, error) {
	if t.Cert != nil || t.CertFile == "" {
		return t.Cert, nil
	}
	cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("cannot read the client certificate: %w", err)
	}
	return &cert, nil
}
