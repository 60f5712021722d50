// Package temporal renders everything the workload needs for Temporal 1.31:
// the server config, the dynamic config, the Pebble layer and the ports.
// It is pure: inputs in, bytes and structs out.
package temporal

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/temporal-k8s/temporal-k8s/internal/config"
	"github.com/temporal-k8s/temporal-k8s/internal/grpchealth"
	"github.com/temporal-k8s/temporal-k8s/internal/internodeproxy"
	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/postgresql"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/rollout"
	"github.com/temporal-k8s/temporal-k8s/internal/workload"
)

// Names and paths shared with the rock and with the charm.
const (
	ServiceName       = "temporal-server"
	CheckName         = "temporal-server-running"
	LayerLabel        = "temporal-k8s"
	ConfigPath        = "/etc/temporal/config/charm.yaml"
	DynamicConfigPath = "/etc/temporal/config/dynamicconfig.yaml"
	DBCAPath          = "/etc/temporal/config/db-ca.pem"
	VisibilityCAPath  = "/etc/temporal/config/visibility-ca.pem"
	// The stores' passwords, which the server's passwordCommand reads for
	// each new connection.
	DBPasswordPath         = "/etc/temporal/config/db-password"
	VisibilityPasswordPath = "/etc/temporal/config/visibility-password"
	// The frontend's certificate (its chain, leaf first), key and CA.
	FrontendCertPath = "/etc/temporal/config/frontend.crt"
	FrontendKeyPath  = "/etc/temporal/config/frontend.key"
	FrontendCAPath   = "/etc/temporal/config/frontend-ca.crt"
	// The internode certificate (its chain), key and CA.
	InternodeCertPath = "/etc/temporal/config/internode.crt"
	InternodeKeyPath  = "/etc/temporal/config/internode.key"
	InternodeCAPath   = "/etc/temporal/config/internode-ca.crt"
	// ProxyModePath says whether the internode proxy refuses plaintext
	// (ProxyMode).
	ProxyModePath = "/etc/temporal/config/internode-proxy-mode"
	// ProxyServiceName is the internode proxy's Pebble service.
	ProxyServiceName = "temporal-internode-proxy"
	Binary           = "/usr/bin/temporal-server"
	User             = "ubuntu"
	// HashEnv carries the hash of the files the server reads at start, so
	// that replan restarts it exactly when they change.
	HashEnv = "TEMPORAL_K8S_CONFIG_HASH"
	// InternodeTLSEnv is "true" in the environment of a server
	// configured for internode mutual TLS.
	InternodeTLSEnv = "TEMPORAL_K8S_INTERNODE_TLS"
	// MetricsPort serves Prometheus metrics.
	MetricsPort = 9090
	// HealthPath is where the charm pushes its own executable, which
	// runs as the health check under this name (grpchealth.Command) and
	// as the stores' passwordCommand (secretfile).
	HealthPath = "/usr/local/bin/" + grpchealth.Command
)

// PasswordTimeout bounds one run of the passwordCommand, which reads a
// local file: Temporal's default is 30 s, for commands that fetch a token.
const PasswordTimeout = 5 * time.Second

// InternalFrontend is the service that runs beside the frontend for the
// cluster's own clients.
const InternalFrontend = "internal-frontend"

// InternodeServerName is the name every unit's internode certificate
// holds and every server process checks its peers' certificates for.
const InternodeServerName = "temporal-internode"

// LocalGRPC is a service's gRPC address inside its pod, where the health
// check runs and where the charm container, which shares the workload's
// network namespace, reaches it.
func LocalGRPC(service string) string {
	return "127.0.0.1:" + strconv.Itoa(Ports[service].GRPC)
}

// HealthTargets are the selected services' gRPC health endpoints in the
// pod: the check and the charm ask each one, the frontend over TLS when
// it serves TLS.
func HealthTargets(selected []string, frontendTLS, internodeTLS bool) []grpchealth.Target {
	out := make([]grpchealth.Target, 0, len(selected))
	for _, s := range selected {
		tls := frontendTLS
		if s != config.Frontend {
			tls = internodeTLS
		}
		out = append(out, grpchealth.Target{Role: s, Addr: LocalGRPC(s), TLS: tls})
	}
	return out
}

// ServesTLS reports whether a plan's server was configured to serve TLS
// on the frontend: its check then asks the frontend over TLS (the check
// and the config go together in one layer and one hash).
func ServesTLS(plan workload.Layer) bool {
	check, ok := plan.Checks[CheckName]
	if !ok || check.Exec == nil {
		return false
	}
	return strings.Contains(check.Exec.Command, " "+config.Frontend+"="+LocalGRPC(config.Frontend)+",ca=")
}

// ServesInternodeTLS reports whether a plan's server was configured for
// internode mutual TLS, which its environment says: a frontend's check
// asks no internode service.
func ServesInternodeTLS(plan workload.Layer) bool {
	return plan.Services[ServiceName].Environment[InternodeTLSEnv] == "true"
}

// RPC are a service's ports.
type RPC struct {
	GRPC       int
	Membership int
	HTTP       int
}

// Ports of every Temporal service; internal-frontend runs beside frontend
// because the admin charm's CLI talks to 7236.
var Ports = map[string]RPC{
	"frontend":          {GRPC: 7233, Membership: 6933, HTTP: 7243},
	"internal-frontend": {GRPC: 7236, Membership: 6936},
	"history":           {GRPC: 7234, Membership: 6934},
	"matching":          {GRPC: 7235, Membership: 6935},
	"worker":            {GRPC: 7239, Membership: 6939},
}

// Inputs is everything rendering depends on.
type Inputs struct {
	Config           config.Config
	DB               postgresql.Connection
	Visibility       postgresql.Connection
	BroadcastAddress string
	// FrontendTLS, when set, is the frontend's certificate: it then
	// serves TLS on its gRPC and HTTP ports.
	FrontendTLS *Cert
	// InternodeTLS is the unit's internode certificate, which every stage
	// of internode TLS but Plain needs: from TLSAcceptPlain on, every
	// service but the frontend serves mutual TLS and membership runs
	// over TLS; from AcceptTLS on, the internode proxy shows it.
	InternodeTLS   *Cert
	InternodeStage rollout.Stage
	// ProxyDefined is set when the running plan defines the internode
	// proxy's service, which a layer cannot take away again (Pebble's
	// layers combine): without the proxy it stays defined, idle.
	ProxyDefined bool
}

// ErrNoInternodeCert is returned for a stage of internode TLS without
// the certificate it needs.
var ErrNoInternodeCert = errors.New("cannot render: internode TLS without an internode certificate")

// ErrNoPodAddress is returned for the internode proxy without the pod
// address it listens on.
var ErrNoPodAddress = errors.New("cannot render: the internode proxy without the pod address")

// Cert is a certificate and its key, PEM encoded.
type Cert struct {
	// Chain is the certificate followed by its issuers.
	Chain string
	Key   string
	CA    string
}

// TLSRefresh is how often the server reads its certificate files again
// (global.tls.refreshInterval): a renewed certificate is served within
// this long of being written, without a restart.
const TLSRefresh = 5 * time.Second

// Output is what the charm applies.
type Output struct {
	// Files are pushed before the layer; the dynamic config is not among
	// the hashed files because the server polls it.
	Files         []workload.File
	DynamicConfig workload.File
	// LiveFiles are the files the server reads again by itself, pushed
	// before the layer and not hashed: the stores' passwords, read for
	// each new database connection, so a rotated password needs no
	// restart (PostgreSQL keeps the sessions already open), and the
	// certificate files, read every TLSRefresh, so a renewal needs none
	// either. Whether TLS is on is in the hashed config, and turning it
	// on or off restarts the server in its turn.
	LiveFiles   []workload.File
	FrontendTLS bool
	// InternodeTLS is set when the server is configured for internode
	// mutual TLS; InternodeStage is the unit's stage of the switch.
	InternodeTLS   bool
	InternodeStage rollout.Stage
	Layer          workload.Layer
	Ports          []juju.Port
	Hash           string
}

// Services returns the server's --service list: internal-frontend joins
// frontend.
func Services(selected []string) []string {
	var out []string
	for _, s := range selected {
		out = append(out, s)
		if s == "frontend" {
			out = append(out, "internal-frontend")
		}
	}
	return out
}

// ErrNoServices is returned for a config that selects no service: there is
// nothing to run, and no port to probe.
var ErrNoServices = errors.New("cannot render: no services selected")

// Render produces the workload's files, layer and ports.
func Render(in Inputs) (Output, error) {
	if len(in.Config.Services) == 0 {
		return Output{}, ErrNoServices
	}
	file := func(path string, content []byte) workload.File {
		return workload.File{Path: path, Content: content, Permissions: 0o600, User: User, Group: User}
	}
	files := []workload.File{file(ConfigPath, marshal(serverConfig(in)))}
	if in.DB.TLS && in.DB.TLSCA != "" {
		files = append(files, file(DBCAPath, []byte(in.DB.TLSCA)))
	}
	if in.Visibility.TLS && in.Visibility.TLSCA != "" {
		files = append(files, file(VisibilityCAPath, []byte(in.Visibility.TLSCA)))
	}
	frontendTLS := in.FrontendTLS != nil && in.Config.Has(config.Frontend)
	live := []workload.File{
		file(DBPasswordPath, []byte(in.DB.Password)),
		file(VisibilityPasswordPath, []byte(in.Visibility.Password)),
	}
	if frontendTLS {
		live = append(live,
			file(FrontendCertPath, []byte(in.FrontendTLS.Chain)),
			file(FrontendKeyPath, []byte(in.FrontendTLS.Key)),
			file(FrontendCAPath, []byte(in.FrontendTLS.CA)),
		)
	}
	stage := in.InternodeStage
	internodeTLS := stage.ServerTLS()
	if stage.Proxied() {
		switch {
		case in.InternodeTLS == nil:
			return Output{}, ErrNoInternodeCert
		case in.BroadcastAddress == "":
			return Output{}, ErrNoPodAddress
		}
		live = append(live,
			file(InternodeCertPath, []byte(in.InternodeTLS.Chain)),
			file(InternodeKeyPath, []byte(in.InternodeTLS.Key)),
			file(InternodeCAPath, []byte(in.InternodeTLS.CA)),
			// Whether the proxy refuses plaintext changes without a
			// restart: it reads the file itself.
			file(ProxyModePath, []byte(ProxyMode(stage))),
		)
	}
	layer := Layer(in.Config.Services, frontendTLS, InternodeLayer{Stage: stage, PodAddress: in.BroadcastAddress, ProxyDefined: in.ProxyDefined})
	hash := hashOf(files, layer)
	layer.Services[ServiceName].Environment[HashEnv] = hash
	return Output{
		Files:          files,
		DynamicConfig:  DynamicConfig(in.Config, internodeTLS),
		LiveFiles:      live,
		FrontendTLS:    frontendTLS,
		InternodeTLS:   internodeTLS,
		InternodeStage: stage,
		Layer:          layer,
		Hash:           hash,
		Ports:          OpenPorts(in.Config),
	}, nil
}

// DynamicConfig is the dynamic config file for a server configured with
// or without internode TLS. Membership's TLS is a dynamic setting the
// server reads at start only, and must match the internode TLS of its
// static config: a server that waits for its restart keeps the value it
// started with (a start with TLS membership and no internode certificate
// fails).
func DynamicConfig(c config.Config, internodeTLS bool) workload.File {
	return workload.File{Path: DynamicConfigPath, Content: marshal(dynamicConfig(c, internodeTLS)), Permissions: 0o600, User: User, Group: User}
}

// marshal renders one of this package's own types, which hold only
// strings, numbers, bools, slices and maps of them: yaml.v3 cannot fail on
// those, so a failure is a bug in this package.
func marshal(v any) []byte {
	data, err := yaml.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("cannot render %T: %v", v, err))
	}
	return data
}

// hashOf is one hash over the files and the layer itself (before the hash
// goes in): the charm compares a single value in the running plan to know
// whether both are current. Each file is framed by its path and length, so
// moving bytes from one file to the next changes the hash too.
func hashOf(files []workload.File, layer workload.Layer) string {
	h := sha256.New()
	for _, f := range append(files, workload.File{Path: "layer", Content: marshal(layer)}) {
		fmt.Fprintf(h, "%s\x00%d\x00", f.Path, len(f.Content))
		h.Write(f.Content)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// OpenPorts are the ports clients reach through the application's
// Kubernetes Service, which forwards only opened ports: the frontend's
// gRPC and HTTP APIs, and internal-frontend, where the admin charm's CLI
// goes when it finds the server by name (server-name, port 7236).
// Membership and the other services' ports stay pod-to-pod.
func OpenPorts(c config.Config) []juju.Port {
	if !c.Has("frontend") {
		return nil
	}
	fe, ife := Ports["frontend"], Ports["internal-frontend"]
	return []juju.Port{{Number: fe.GRPC, Protocol: "tcp"}, {Number: ife.GRPC, Protocol: "tcp"}, {Number: fe.HTTP, Protocol: "tcp"}}
}

// Layer is the Pebble layer for the selected services, without its hash.
// It replaces the rock's own service and check of the same names, so
// replan never starts the rock's default command beside ours.
// InternodeLayer is what the layer needs of the switch of internode TLS.
type InternodeLayer struct {
	Stage rollout.Stage
	// PodAddress is where the proxy listens.
	PodAddress string
	// ProxyDefined is Inputs.ProxyDefined.
	ProxyDefined bool
}

func Layer(selected []string, frontendTLS bool, internode InternodeLayer) workload.Layer {
	stage := internode.Stage
	internodeTLS := stage.ServerTLS()
	args := []string{Binary, "--config-file", ConfigPath, "--allow-no-auth", "start"}
	for _, s := range Services(selected) {
		args = append(args, "--service="+s)
	}
	layer := workload.Layer{
		Summary:     "temporal-k8s",
		Description: "Temporal server services managed by the temporal-k8s charm",
		Services: map[string]workload.Service{
			ServiceName: {
				Override:   "replace",
				Summary:    "Temporal server: " + strings.Join(selected, ", "),
				Command:    strings.Join(args, " "),
				Startup:    "enabled",
				User:       User,
				Group:      User,
				WorkingDir: "/etc/temporal",
				// Render fills in the hash of the files and this layer.
				Environment: map[string]string{HashEnv: ""},
				// A fresh database makes concurrent first starts race on the
				// cluster metadata; the loser must come back by itself.
				OnFailure:      "restart",
				OnCheckFailure: map[string]string{CheckName: "ignore"},
				BackoffDelay:   "1s",
				BackoffLimit:   "30s",
				// Longer than the drain in the dynamic config, so SIGKILL
				// never cuts a graceful shutdown short, and shorter than
				// Kubernetes' 30 s termination grace period, after which
				// the kubelet kills the container anyway.
				KillDelay: KillDelay.String(),
			},
		},
		Checks: map[string]workload.Check{},
	}
	if internodeTLS {
		layer.Services[ServiceName].Environment[InternodeTLSEnv] = "true"
	}
	if stage.Proxied() || internode.ProxyDefined {
		layer.Services[ProxyServiceName] = proxyService(selected, internode)
		// One lane, the proxy first: a restart stops the server (its
		// drain included) before the proxy in front of it, and starts
		// the proxy first, so peers reach a draining server to the end.
		svc := layer.Services[ServiceName]
		svc.After = []string{ProxyServiceName}
		svc.Requires = []string{ProxyServiceName}
		layer.Services[ServiceName] = svc
	}
	if len(selected) == 0 {
		// Nothing to probe; Render refuses this case, and Layer must not
		// panic on it.
		return layer
	}
	check := []string{HealthPath}
	for _, t := range HealthTargets(selected, frontendTLS, internodeTLS) {
		switch {
		case t.TLS && t.Role == config.Frontend:
			// The check verifies the chain, which its container holds.
			t.CAFile = FrontendCAPath
		case t.TLS:
			// And shows the unit's certificate, as its peers do.
			t.CAFile, t.CertFile, t.KeyFile = InternodeCAPath, InternodeCertPath, InternodeKeyPath
		}
		check = append(check, t.Arg())
	}
	layer.Checks = map[string]workload.Check{
		// The check asks each selected service's gRPC health service:
		// SERVING only once it can work (the frontend once membership
		// is up, history once it owns its shards) and not while it
		// drains, and a hung process answers nothing, where a TCP
		// connect would still succeed. Level ready is what Juju's
		// readiness probe asks Pebble (/v1/health?level=ready), so the
		// application's Service sends clients only to units whose
		// server serves. Pebble counts a new check as up until it
		// fails: one failure of a short period keeps a starting,
		// draining or hung server out of the Service within seconds,
		// not half a minute. The timeout exceeds grpchealth.Timeout,
		// so a hung server is named rather than the command killed.
		CheckName: {
			Override:  "replace",
			Level:     "ready",
			Period:    "3s",
			Timeout:   "1s",
			Threshold: 1,
			Exec:      &workload.ExecCheck{Command: strings.Join(check, " ")},
		},
	}
	return layer
}

// ProxyMode is the content of ProxyModePath for a stage: the proxy
// refuses plaintext at TLS only.
func ProxyMode(stage rollout.Stage) string {
	if stage == rollout.TLS {
		return internodeproxy.Strict + "\n"
	}
	return "accept-plaintext\n"
}

// ProxyStage is the stage a plan and the proxy's mode file say the unit
// is at.
func ProxyStage(plan workload.Layer, mode []byte) rollout.Stage {
	switch {
	case !ServesProxy(plan):
		return rollout.Plain
	case !ServesInternodeTLS(plan):
		return rollout.AcceptTLS
	case strings.TrimSpace(string(mode)) == internodeproxy.Strict:
		return rollout.TLS
	}
	return rollout.TLSAcceptPlain
}

// ServesProxy reports whether a plan runs the internode proxy in front
// of the server (an idle one serves nothing).
func ServesProxy(plan workload.Layer) bool {
	return strings.Contains(plan.Services[ProxyServiceName].Command, " --route ")
}

// DefinesProxy reports whether a plan defines the internode proxy's
// service, serving or idle.
func DefinesProxy(plan workload.Layer) bool {
	_, ok := plan.Services[ProxyServiceName]
	return ok
}

// proxyService runs the internode proxy on the pod address, in front of
// the server's loopback ports: it sniffs each internode port, and passes
// the frontend's client ports on as they are (their TLS is the frontend
// certificate's business).
func proxyService(selected []string, internode InternodeLayer) workload.Service {
	stage, podAddress := internode.Stage, internode.PodAddress
	svc := workload.Service{
		Override:     "replace",
		Summary:      "Internode proxy: TLS and plaintext peers in front of the server",
		Startup:      "enabled",
		User:         User,
		Group:        User,
		OnFailure:    "restart",
		BackoffDelay: "1s",
		BackoffLimit: "5s",
	}
	if !stage.Proxied() {
		svc.Summary = "Internode proxy: idle, internode TLS is off"
		svc.Command = strings.Join(append([]string{HealthPath}, internodeproxy.Args(internodeproxy.Config{})...), " ")
		return svc
	}
	cfg := internodeproxy.Config{
		UpstreamTLS: stage.ServerTLS(),
		CertFile:    InternodeCertPath,
		KeyFile:     InternodeKeyPath,
		CAFile:      InternodeCAPath,
		ServerName:  InternodeServerName,
		StrictFile:  ProxyModePath,
	}
	route := func(port int, raw bool) {
		p := strconv.Itoa(port)
		cfg.Routes = append(cfg.Routes, internodeproxy.Route{Listen: joinHostPort(podAddress, port), Upstream: "127.0.0.1:" + p, Raw: raw})
	}
	for _, s := range Services(selected) {
		p := Ports[s]
		route(p.GRPC, s == config.Frontend)
		route(p.Membership, false)
		if p.HTTP != 0 {
			route(p.HTTP, true)
		}
	}
	svc.Command = strings.Join(append([]string{HealthPath}, internodeproxy.Args(cfg)...), " ")
	return svc
}
