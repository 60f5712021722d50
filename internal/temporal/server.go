package temporal

import (
	"strconv"
	"strings"
	"time"

	"github.com/temporal-k8s/temporal-k8s/internal/config"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/postgresql"
	"github.com/temporal-k8s/temporal-k8s/internal/secretfile"
)

// The structs below mirror the parts of Temporal's config.Config the charm
// sets; importing go.temporal.io/server would make the charm binary huge.

type serverCfg struct {
	Log                 logCfg            `yaml:"log"`
	Persistence         persistenceCfg    `yaml:"persistence"`
	Global              globalCfg         `yaml:"global"`
	Services            map[string]svcCfg `yaml:"services"`
	ClusterMetadata     clusterCfg        `yaml:"clusterMetadata"`
	DCRedirectionPolicy dcPolicyCfg       `yaml:"dcRedirectionPolicy"`
	DynamicConfigClient dynamicClientCfg  `yaml:"dynamicConfigClient"`
}

type logCfg struct {
	Stdout bool   `yaml:"stdout"`
	Level  string `yaml:"level"`
}

type persistenceCfg struct {
	DefaultStore     string              `yaml:"defaultStore"`
	VisibilityStore  string              `yaml:"visibilityStore"`
	NumHistoryShards int                 `yaml:"numHistoryShards"`
	DataStores       map[string]storeCfg `yaml:"datastores"`
}

type storeCfg struct {
	SQL sqlCfg `yaml:"sql"`
}

type sqlCfg struct {
	PluginName      string `yaml:"pluginName"`
	DatabaseName    string `yaml:"databaseName"`
	ConnectAddr     string `yaml:"connectAddr"`
	ConnectProtocol string `yaml:"connectProtocol"`
	User            string `yaml:"user"`
	// The password is read for each new connection, never written here.
	PasswordCommand passwordCommandCfg `yaml:"passwordCommand"`
	MaxConns        int                `yaml:"maxConns"`
	MaxIdleConns    int                `yaml:"maxIdleConns"`
	MaxConnLifetime string             `yaml:"maxConnLifetime"`
	TLS             *tlsCfg            `yaml:"tls,omitempty"`
}

// passwordCommandCfg is config.PasswordCommandConfig.
type passwordCommandCfg struct {
	Command string   `yaml:"command"`
	Args    []string `yaml:"args"`
	Timeout string   `yaml:"timeout"`
}

type tlsCfg struct {
	Enabled                bool   `yaml:"enabled"`
	CAFile                 string `yaml:"caFile,omitempty"`
	EnableHostVerification bool   `yaml:"enableHostVerification"`
}

type globalCfg struct {
	Membership membershipCfg `yaml:"membership"`
	Metrics    metricsCfg    `yaml:"metrics"`
	TLS        *rootTLSCfg   `yaml:"tls,omitempty"`
}

// rootTLSCfg is config.RootTLS: the frontend's server certificate and the
// internode certificate, read again every refreshInterval.
type rootTLSCfg struct {
	Frontend        *groupTLSCfg `yaml:"frontend,omitempty"`
	Internode       *groupTLSCfg `yaml:"internode,omitempty"`
	RefreshInterval string       `yaml:"refreshInterval"`
}

type groupTLSCfg struct {
	Server serverTLSCfg  `yaml:"server"`
	Client *clientTLSCfg `yaml:"client,omitempty"`
}

type serverTLSCfg struct {
	CertFile          string   `yaml:"certFile"`
	KeyFile           string   `yaml:"keyFile"`
	RequireClientAuth bool     `yaml:"requireClientAuth,omitempty"`
	ClientCAFiles     []string `yaml:"clientCaFiles,omitempty"`
}

type clientTLSCfg struct {
	ServerName  string   `yaml:"serverName"`
	RootCAFiles []string `yaml:"rootCaFiles"`
}

type membershipCfg struct {
	MaxJoinDuration  string `yaml:"maxJoinDuration"`
	BroadcastAddress string `yaml:"broadcastAddress"`
}

type metricsCfg struct {
	Tags       map[string]string `yaml:"tags"`
	Prometheus prometheusCfg     `yaml:"prometheus"`
}

type prometheusCfg struct {
	TimerType     string `yaml:"timerType"`
	ListenAddress string `yaml:"listenAddress"`
}

type svcCfg struct {
	RPC rpcCfg `yaml:"rpc"`
}

type rpcCfg struct {
	GRPCPort       int    `yaml:"grpcPort"`
	MembershipPort int    `yaml:"membershipPort"`
	HTTPPort       int    `yaml:"httpPort,omitempty"`
	BindOnIP       string `yaml:"bindOnIP"`
}

type clusterCfg struct {
	EnableGlobalNamespace    bool                      `yaml:"enableGlobalNamespace"`
	FailoverVersionIncrement int                       `yaml:"failoverVersionIncrement"`
	MasterClusterName        string                    `yaml:"masterClusterName"`
	CurrentClusterName       string                    `yaml:"currentClusterName"`
	ClusterInformation       map[string]clusterInfoCfg `yaml:"clusterInformation"`
}

type clusterInfoCfg struct {
	Enabled                bool   `yaml:"enabled"`
	InitialFailoverVersion int    `yaml:"initialFailoverVersion"`
	RPCName                string `yaml:"rpcName"`
	RPCAddress             string `yaml:"rpcAddress"`
}

type dcPolicyCfg struct {
	Policy string `yaml:"policy"`
}

type dynamicClientCfg struct {
	Filepath     string `yaml:"filepath"`
	PollInterval string `yaml:"pollInterval"`
}

const clusterName = "active"

func store(c postgresql.Connection, pool config.Pool, caPath, passwordPath string) storeCfg {
	sql := sqlCfg{
		// "postgres" no longer exists in 1.31: only postgres12(_pgx).
		PluginName:      "postgres12",
		DatabaseName:    c.Database,
		ConnectAddr:     joinHostPort(c.Host, c.Port),
		ConnectProtocol: "tcp",
		User:            c.User,
		PasswordCommand: passwordCommandCfg{Command: HealthPath, Args: secretfile.Args(passwordPath), Timeout: PasswordTimeout.String()},
		MaxConns:        pool.MaxConns,
		MaxIdleConns:    pool.MaxIdleConns,
		MaxConnLifetime: pool.MaxConnLifetime,
	}
	if c.TLS {
		sql.TLS = &tlsCfg{Enabled: true}
		if c.TLSCA != "" {
			sql.TLS.CAFile = caPath
			sql.TLS.EnableHostVerification = true
		}
	}
	return storeCfg{SQL: sql}
}

func joinHostPort(host string, port int) string {
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return host + ":" + strconv.Itoa(port)
}

func serverConfig(in Inputs) serverCfg {
	services := map[string]svcCfg{}
	// Every unit lists every service: with internal-frontend present in the
	// config, workers in any app reach the frontend through its ring.
	// Behind the internode proxy the server binds loopback, and the
	// proxy its ports on the pod address, which membership still
	// broadcasts (see internodeproxy).
	bind := "0.0.0.0"
	if in.InternodeStage.Proxied() {
		bind = "127.0.0.1"
	}
	for name, p := range Ports {
		services[name] = svcCfg{RPC: rpcCfg{GRPCPort: p.GRPC, MembershipPort: p.Membership, HTTPPort: p.HTTP, BindOnIP: bind}}
	}
	fe := Ports["frontend"]
	rootTLS := &rootTLSCfg{RefreshInterval: TLSRefresh.String()}
	if in.FrontendTLS != nil && in.Config.Has(config.Frontend) {
		rootTLS.Frontend = &groupTLSCfg{Server: serverTLSCfg{CertFile: FrontendCertPath, KeyFile: FrontendKeyPath}}
	}
	if in.InternodeStage.ServerTLS() {
		// Mutual TLS: every server process asks its peers for a
		// certificate of the CA and shows its own, which is the client
		// certificate too (the server's internode client uses the
		// server certificate). Peers are reached by pod address, which no
		// certificate names: every unit's certificate holds one shared
		// name, which the clients verify instead.
		ca := []string{InternodeCAPath}
		rootTLS.Internode = &groupTLSCfg{
			Server: serverTLSCfg{CertFile: InternodeCertPath, KeyFile: InternodeKeyPath, RequireClientAuth: true, ClientCAFiles: ca},
			Client: &clientTLSCfg{ServerName: InternodeServerName, RootCAFiles: ca},
		}
	}
	if rootTLS.Frontend == nil && rootTLS.Internode == nil {
		rootTLS = nil
	}
	return serverCfg{
		Log: logCfg{Stdout: true, Level: in.Config.LogLevel},
		Persistence: persistenceCfg{
			DefaultStore:     "default",
			VisibilityStore:  "visibility",
			NumHistoryShards: in.Config.NumHistoryShards,
			DataStores: map[string]storeCfg{
				"default":    store(in.DB, in.Config.Persistence, DBCAPath, DBPasswordPath),
				"visibility": store(in.Visibility, in.Config.Visibility, VisibilityCAPath, VisibilityPasswordPath),
			},
		},
		Global: globalCfg{
			Membership: membershipCfg{MaxJoinDuration: "30s", BroadcastAddress: in.BroadcastAddress},
			Metrics: metricsCfg{
				Tags:       map[string]string{"type": strings.Join(in.Config.Services, ",")},
				Prometheus: prometheusCfg{TimerType: "histogram", ListenAddress: "0.0.0.0:" + strconv.Itoa(MetricsPort)},
			},
			TLS: rootTLS,
		},
		Services: services,
		ClusterMetadata: clusterCfg{
			FailoverVersionIncrement: 10,
			MasterClusterName:        clusterName,
			CurrentClusterName:       clusterName,
			ClusterInformation: map[string]clusterInfoCfg{
				clusterName: {Enabled: true, InitialFailoverVersion: 1, RPCName: "frontend", RPCAddress: joinHostPort("127.0.0.1", fe.GRPC)},
			},
		},
		DCRedirectionPolicy: dcPolicyCfg{Policy: "noop"},
		DynamicConfigClient: dynamicClientCfg{Filepath: DynamicConfigPath, PollInterval: "10s"},
	}
}

// dynamicValue is one constrained value of a dynamic config key.
type dynamicValue struct {
	Value       any               `yaml:"value"`
	Constraints map[string]string `yaml:"constraints,omitempty"`
}

// Drain settings give in-flight requests time to finish when a unit stops
// (scale-down, refresh); the layer's kill-delay is longer than the longest
// drain and shorter than the pod's termination grace period.
const (
	FrontendFailHealthCheck = 5 * time.Second
	FrontendDrain           = 10 * time.Second
	HistoryDrain            = 10 * time.Second
	KillDelay               = 20 * time.Second
	// TerminationGracePeriod is Kubernetes' default, which Juju keeps
	// for the pods it creates.
	TerminationGracePeriod = 30 * time.Second
)

// dynamicConfig is the dynamic config; ringpopTLS puts membership on the
// internode certificates too, which the server reads once, at start.
func dynamicConfig(c config.Config, ringpopTLS bool) map[string][]dynamicValue {
	dc := map[string][]dynamicValue{
		"matching.longPollExpirationInterval":      {{Value: c.LongPollInterval.String()}},
		"frontend.shutdownFailHealthCheckDuration": {{Value: FrontendFailHealthCheck.String()}},
		"frontend.shutdownDrainDuration":           {{Value: FrontendDrain.String()}},
		"history.shutdownDrainDuration":            {{Value: HistoryDrain.String()}},
	}
	var rps []dynamicValue
	for _, ns := range c.NamespaceRPS {
		rps = append(rps, dynamicValue{Value: ns.Limit, Constraints: map[string]string{"namespace": ns.Namespace}})
	}
	// 0 keeps Temporal's own default rather than refusing every request.
	if c.GlobalRPSLimit > 0 {
		rps = append(rps, dynamicValue{Value: c.GlobalRPSLimit})
	}
	if len(rps) > 0 {
		dc["frontend.namespaceRPS"] = rps
	}
	if ringpopTLS {
		dc["system.enableRingpopTLS"] = []dynamicValue{{Value: true}}
	}
	return dc
}
