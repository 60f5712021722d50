package temporaladmin

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/server/api/adminservice/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// InternalFrontendPort is where the admin tools reach the server.
const InternalFrontendPort = 7236

// Description is the cluster description in the shape tctl prints for
// "admin cluster describe": the fields of DescribeClusterResponse that tctl
// knew, in its order, with int64s as strings as protojson writes them.
type Description struct {
	SupportedClients         map[string]string `json:"supportedClients"`
	ServerVersion            string            `json:"serverVersion"`
	MembershipInfo           MembershipInfo    `json:"membershipInfo"`
	ClusterID                string            `json:"clusterId"`
	ClusterName              string            `json:"clusterName"`
	HistoryShardCount        int32             `json:"historyShardCount"`
	PersistenceStore         string            `json:"persistenceStore"`
	VisibilityStore          string            `json:"visibilityStore"`
	FailoverVersionIncrement string            `json:"failoverVersionIncrement"`
	InitialFailoverVersion   string            `json:"initialFailoverVersion"`
}

// MembershipInfo is the gossip view of the host that answered.
type MembershipInfo struct {
	CurrentHost      HostInfo `json:"currentHost"`
	ReachableMembers []string `json:"reachableMembers"`
	Rings            []Ring   `json:"rings"`
}

// HostInfo names one member.
type HostInfo struct {
	Identity string `json:"identity"`
}

// Ring is the membership of one service role.
type Ring struct {
	Role        string     `json:"role"`
	MemberCount int32      `json:"memberCount"`
	Members     []HostInfo `json:"members"`
}

// NewDescription converts the admin API answer.
func NewDescription(resp *adminservice.DescribeClusterResponse) Description {
	d := Description{
		SupportedClients:         resp.GetSupportedClients(),
		ServerVersion:            resp.GetServerVersion(),
		ClusterID:                resp.GetClusterId(),
		ClusterName:              resp.GetClusterName(),
		HistoryShardCount:        resp.GetHistoryShardCount(),
		PersistenceStore:         resp.GetPersistenceStore(),
		VisibilityStore:          resp.GetVisibilityStore(),
		FailoverVersionIncrement: strconv.FormatInt(resp.GetFailoverVersionIncrement(), 10),
		InitialFailoverVersion:   strconv.FormatInt(resp.GetInitialFailoverVersion(), 10),
	}
	m := resp.GetMembershipInfo()
	d.MembershipInfo.CurrentHost.Identity = m.GetCurrentHost().GetIdentity()
	d.MembershipInfo.ReachableMembers = append([]string{}, m.GetReachableMembers()...)
	d.MembershipInfo.Rings = []Ring{}
	for _, r := range m.GetRings() {
		ring := Ring{Role: r.GetRole(), MemberCount: r.GetMemberCount(), Members: []HostInfo{}}
		for _, h := range r.GetMembers() {
			ring.Members = append(ring.Members, HostInfo{Identity: h.GetIdentity()})
		}
		d.MembershipInfo.Rings = append(d.MembershipInfo.Rings, ring)
	}
	return d
}

// JSON renders the description as tctl does: two-space indentation, and
// "<" escaped as \u003c (Go's HTML-safe encoding, which tctl's output
// shows).
func (d Description) JSON() (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil {
		return "", fmt.Errorf("cannot encode cluster description: %w", err)
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

// Ring returns the ring of a role, if there is one.
func (d Description) Ring(role string) (Ring, bool) {
	for _, r := range d.MembershipInfo.Rings {
		if r.Role == role {
			return r, true
		}
	}
	return Ring{}, false
}

// Server is where the admin's cli reaches the server, and the TLS it
// speaks there (nil: none).
type Server struct {
	Address string
	TLS     *tls.Config
}

func dial(server Server) (*grpc.ClientConn, error) {
	address := server.Address
	// passthrough hands the name to the dialer, which reads /etc/hosts
	// (where the pod finds the server application). gRPC's default DNS
	// resolver would also query TXT records and, with no DNS server in
	// the pod, wait out its timeouts first.
	target := address
	if !strings.Contains(target, "://") {
		target = "passthrough:///" + target
	}
	creds := insecure.NewCredentials()
	if server.TLS != nil {
		creds = credentials.NewTLS(server.TLS)
	}
	conn, err := grpc.NewClient(target, grpc.WithTransportCredentials(creds))
	if err != nil {
		return nil, fmt.Errorf("cannot connect to %s: %w", address, err)
	}
	return conn, nil
}

// DescribeCluster asks the server at address (host:port) for its cluster
// description.
func DescribeCluster(ctx context.Context, server Server) (*adminservice.DescribeClusterResponse, error) {
	address := server.Address
	conn, err := dial(server)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	resp, err := adminservice.NewAdminServiceClient(conn).DescribeCluster(ctx, &adminservice.DescribeClusterRequest{})
	if err != nil {
		return nil, fmt.Errorf("cannot describe cluster at %s: %w", address, err)
	}
	return resp, nil
}

// WorkflowService is the gRPC health-check service name of the frontend.
const WorkflowService = "temporal.api.workflowservice.v1.WorkflowService"

// ClusterHealth returns the frontend's health line, as tctl prints it.
func ClusterHealth(ctx context.Context, server Server) (string, error) {
	address := server.Address
	conn, err := dial(server)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: WorkflowService})
	if err != nil {
		return "", fmt.Errorf("cannot check health at %s: %w", address, err)
	}
	return fmt.Sprintf("%s: %s", WorkflowService, resp.GetStatus()), nil
}

// Command is an admin command the tctl action understands.
type Command int

const (
	CommandDescribe Command = iota + 1
	CommandHealth
)

// Invocation is a parsed tctl/cli command line.
type Invocation struct {
	Command Command
	// Address overrides the server address (--address/--ad host:port).
	Address string
}

// ParseArgs reads tctl's spelling ("adm cl d", "admin cluster describe",
// "cl h") and the temporal CLI's ("operator cluster describe").
func ParseArgs(args string) (Invocation, error) {
	var inv Invocation
	var words []string
	fields := strings.Fields(args)
	for i := 0; i < len(fields); i++ {
		f := fields[i]
		if name, value, ok := strings.Cut(f, "="); ok && (name == "--address" || name == "--ad") {
			inv.Address = value
			continue
		}
		if f == "--address" || f == "--ad" {
			if i+1 >= len(fields) {
				return Invocation{}, fmt.Errorf("cannot parse %q: %s needs a value", args, f)
			}
			inv.Address = fields[i+1]
			i++
			continue
		}
		words = append(words, f)
	}
	canonical := map[string]string{
		"adm": "admin", "admin": "admin", "operator": "admin",
		"cl": "cluster", "cluster": "cluster",
		"d": "describe", "desc": "describe", "describe": "describe",
		"h": "health", "health": "health",
	}
	norm := make([]string, 0, len(words))
	for _, w := range words {
		c, ok := canonical[w]
		if !ok {
			return Invocation{}, fmt.Errorf("unsupported command %q: want \"admin cluster describe\" or \"cluster health\"", args)
		}
		norm = append(norm, c)
	}
	switch strings.Join(norm, " ") {
	case "admin cluster describe":
		inv.Command = CommandDescribe
	case "cluster health", "admin cluster health":
		inv.Command = CommandHealth
	default:
		return Invocation{}, fmt.Errorf("unsupported command %q: want \"admin cluster describe\" or \"cluster health\"", args)
	}
	return inv, nil
}

// errNoArgs is returned by the action when args is missing.
var errNoArgs = errors.New("missing args")
