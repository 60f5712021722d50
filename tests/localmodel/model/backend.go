package model

import (
	"context"
	"io"
	"time"
)

// Backend creates the pods units run in.
type Backend interface {
	CreatePod(ctx context.Context, spec PodSpec) (Pod, error)
	// SetHosts replaces the model's hosts file, which stands in for the
	// Kubernetes service names every pod resolves.
	SetHosts(entries []HostEntry) error
	// Service creates an application's Kubernetes Service at a stable
	// address of its own.
	Service(app string) (Service, error)
}

// Service is an application's Kubernetes Service (see package service).
type Service interface {
	Address() string
	// Update sets the forwarded TCP ports and the ready pod addresses.
	Update(ports []int, endpoints []string) error
	// Close removes the Service.
	Close()
}

// HostEntry maps an address to names.
type HostEntry struct {
	Address string
	Names   []string
}

// PodSpec describes one unit's pod.
type PodSpec struct {
	// Name is the pod name, <app>-<ordinal>.
	Name       string
	Containers []ContainerSpec
	Storage    []string
}

// ContainerSpec describes a workload container.
type ContainerSpec struct {
	Name string
	// Image is a root filesystem directory, or "host" for the host's.
	Image  string
	Mounts []MountSpec
}

// MountSpec mounts a storage instance in a workload container.
type MountSpec struct {
	Storage  string
	Location string
}

// Pod is a running pod: a network identity, the workload containers and a
// way to run charm processes in the charm container.
type Pod interface {
	Address() string
	// DataDir returns the agent data directory (/var/lib/juju in a real
	// pod) as the charm sees it and where it is on the host.
	DataDir() (inCharm, onHost string)
	// ToolPath is the hook-tool executable as the charm sees it.
	ToolPath() string
	StartWorkloads(ctx context.Context) error
	// StopWorkloads stops every workload container's Pebble, letting it
	// stop its services.
	StopWorkloads(ctx context.Context) error
	// RestartContainer restarts one workload container as after a crash:
	// its filesystem is reset from the image and its Pebble starts again.
	RestartContainer(ctx context.Context, name string) error
	// SetNetwork cuts the pod off the network (false) or reconnects it.
	SetNetwork(ctx context.Context, up bool) error
	// PebbleSocket is a workload's Pebble socket on the host.
	PebbleSocket(container string) string
	// RunCharm runs one charm process in the charm container and returns
	// its exit code.
	RunCharm(ctx context.Context, p CharmProcess) (int, error)
	Delete(ctx context.Context) error
}

// CharmProcess is one process in the charm container.
type CharmProcess struct {
	Path   string
	Dir    string
	Env    []string
	Stdout io.Writer
	Stderr io.Writer
}

// Clock is the model's source of time, injected so tests can control it.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// RealClock is the wall clock.
var RealClock Clock = realClock{}
