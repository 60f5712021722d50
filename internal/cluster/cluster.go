// Package cluster asks a frontend how the Temporal cluster sees itself:
// AdminService.DescribeCluster, the call behind `tctl admin cluster
// describe`. It speaks just enough gRPC (HTTP/2 without TLS, one unary
// call, over TLS when asked) and protobuf (the few fields read) that the charm needs no gRPC
// or protobuf dependency. Field numbers are Temporal 1.31's
// proto/internal/temporal/server/api/adminservice/v1/request_response.proto
// and api/cluster/v1/message.proto.
package cluster

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Description is what the charm reads of DescribeClusterResponse.
type Description struct {
	ClusterID string
	// HistoryShardCount is the count persisted when the cluster's
	// database was set up; every server uses it, whatever its option.
	HistoryShardCount int
	// Rings maps a service role (frontend, history, matching, worker,
	// internal-frontend) to its member count.
	Rings map[string]int
	// Members maps a role to its members' identities (host:port).
	Members map[string][]string
}

// Describer describes the cluster through the frontend at addr, over TLS
// with tlsConfig when it is not nil.
type Describer func(ctx context.Context, addr string, tlsConfig *tls.Config) (Description, error)

const method = "/temporal.server.api.adminservice.v1.AdminService/DescribeCluster"

// Describe calls DescribeCluster on the frontend at addr (host:port):
// over TLS with tlsConfig (internal-frontend with internode mutual TLS),
// or, when it is nil, over HTTP/2 without TLS.
func Describe(ctx context.Context, addr string, tlsConfig *tls.Config) (Description, error) {
	var protocols http.Protocols
	transport := &http.Transport{Protocols: &protocols}
	scheme := "http"
	if tlsConfig != nil {
		protocols.SetHTTP2(true)
		transport.TLSClientConfig = tlsConfig.Clone()
		scheme = "https"
	} else {
		protocols.SetUnencryptedHTTP2(true)
	}
	client := &http.Client{Transport: transport, Timeout: 5 * time.Second}
	defer client.CloseIdleConnections()
	// An empty DescribeClusterRequest: uncompressed, zero length.
	body := bytes.NewReader(make([]byte, 5))
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, scheme+"://"+addr+method, body)
	if err != nil {
		return Description{}, fmt.Errorf("cannot describe the cluster: %w", err)
	}
	req.Header.Set("Content-Type", "application/grpc")
	req.Header.Set("TE", "trailers")
	resp, err := client.Do(req)
	if err != nil {
		return Description{}, fmt.Errorf("cannot describe the cluster: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return Description{}, fmt.Errorf("cannot read the cluster description: %w", err)
	}
	status := resp.Trailer.Get("Grpc-Status")
	if status == "" {
		// A trailers-only answer carries the status in the headers.
		status = resp.Header.Get("Grpc-Status")
	}
	if resp.StatusCode != http.StatusOK || status != "0" {
		return Description{}, fmt.Errorf("cannot describe the cluster: HTTP %d, grpc-status %q: %s", resp.StatusCode, status, resp.Trailer.Get("Grpc-Message"))
	}
	if len(data) < 5 || data[0] != 0 {
		return Description{}, errors.New("cannot describe the cluster: not an uncompressed gRPC message")
	}
	n := binary.BigEndian.Uint32(data[1:5])
	if int(n) != len(data)-5 {
		return Description{}, fmt.Errorf("cannot describe the cluster: message of %d bytes, %d read", n, len(data)-5)
	}
	return Decode(data[5:])
}

// Decode reads a DescribeClusterResponse.
func Decode(msg []byte) (Description, error) {
	d := Description{Rings: map[string]int{}, Members: map[string][]string{}}
	err := walk(msg, func(num int, v value) error {
		switch num {
		case 3: // membership_info
			return walk(v.bytes, func(num int, v value) error {
				if num != 3 { // rings
					return nil
				}
				var role string
				var count int
				var members []string
				err := walk(v.bytes, func(num int, v value) error {
					switch num {
					case 1:
						role = string(v.bytes)
					case 2:
						count = int(int32(v.varint))
					case 3: // members: HostInfo, identity = 1
						return walk(v.bytes, func(num int, v value) error {
							if num == 1 {
								members = append(members, string(v.bytes))
							}
							return nil
						})
					}
					return nil
				})
				d.Rings[role] = count
				if len(members) > 0 {
					d.Members[role] = members
				}
				return err
			})
		case 4:
			d.ClusterID = string(v.bytes)
		case 6:
			d.HistoryShardCount = int(int32(v.varint))
		}
		return nil
	})
	return d, err
}

// value is one field's payload: varint for wire type 0, bytes for 2.
type value struct {
	varint uint64
	bytes  []byte
}

// walk calls fn for each field of a protobuf message, skipping fixed-width
// fields, and fails on anything malformed.
func walk(msg []byte, fn func(num int, v value) error) error {
	for len(msg) > 0 {
		key, n := binary.Uvarint(msg)
		if n <= 0 {
			return errors.New("cannot decode the cluster description: bad field key")
		}
		msg = msg[n:]
		num, wire := int(key>>3), key&7
		var v value
		switch wire {
		case 0:
			if v.varint, n = binary.Uvarint(msg); n <= 0 {
				return errors.New("cannot decode the cluster description: bad varint")
			}
			msg = msg[n:]
		case 1, 5:
			size := 8
			if wire == 5 {
				size = 4
			}
			if len(msg) < size {
				return errors.New("cannot decode the cluster description: truncated field")
			}
			msg = msg[size:]
			continue
		case 2:
			size, n := binary.Uvarint(msg)
			if n <= 0 || size > uint64(len(msg)-n) {
				return errors.New("cannot decode the cluster description: truncated field")
			}
			v.bytes = msg[n : n+int(size)]
			msg = msg[n+int(size):]
		default:
			return fmt.Errorf("cannot decode the cluster description: wire type %d", wire)
		}
		if err := fn(num, v); err != nil {
			return err
		}
	}
	return nil
}
