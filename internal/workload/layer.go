// Package workload talks to the workload container's Pebble. Pebble keeps
// its layer types in internal packages, so the charm defines the subset it
// writes here.
package workload

// Layer is a Pebble layer; a plan has the same shape.
type Layer struct {
	Summary     string               `yaml:"summary,omitempty"`
	Description string               `yaml:"description,omitempty"`
	Services    map[string]Service   `yaml:"services,omitempty"`
	Checks      map[string]Check     `yaml:"checks,omitempty"`
	LogTargets  map[string]LogTarget `yaml:"log-targets,omitempty"`
}

// LogTarget is a Pebble log target: Pebble forwards the output of the
// services it names to location.
type LogTarget struct {
	Override string            `yaml:"override,omitempty"`
	Type     string            `yaml:"type"`
	Location string            `yaml:"location"`
	Services []string          `yaml:"services"`
	Labels   map[string]string `yaml:"labels,omitempty"`
}

// Service is a Pebble service definition.
type Service struct {
	Override       string            `yaml:"override,omitempty"`
	Summary        string            `yaml:"summary,omitempty"`
	Command        string            `yaml:"command,omitempty"`
	Startup        string            `yaml:"startup,omitempty"`
	User           string            `yaml:"user,omitempty"`
	Group          string            `yaml:"group,omitempty"`
	WorkingDir     string            `yaml:"working-dir,omitempty"`
	Environment    map[string]string `yaml:"environment,omitempty"`
	OnFailure      string            `yaml:"on-failure,omitempty"`
	OnCheckFailure map[string]string `yaml:"on-check-failure,omitempty"`
	BackoffDelay   string            `yaml:"backoff-delay,omitempty"`
	BackoffFactor  float64           `yaml:"backoff-factor,omitempty"`
	BackoffLimit   string            `yaml:"backoff-limit,omitempty"`
	KillDelay      string            `yaml:"kill-delay,omitempty"`
	// After and Requires order the service after others in one lane:
	// Pebble starts them in that order and stops them in reverse, one
	// after the other (plan.StartOrder, StopOrder, createLanes).
	After    []string `yaml:"after,omitempty"`
	Requires []string `yaml:"requires,omitempty"`
}

// Check is a Pebble health check definition.
type Check struct {
	Override  string     `yaml:"override,omitempty"`
	Level     string     `yaml:"level,omitempty"`
	Startup   string     `yaml:"startup,omitempty"`
	Period    string     `yaml:"period,omitempty"`
	Timeout   string     `yaml:"timeout,omitempty"`
	Threshold int        `yaml:"threshold,omitempty"`
	TCP       *TCPCheck  `yaml:"tcp,omitempty"`
	Exec      *ExecCheck `yaml:"exec,omitempty"`
}

// ExecCheck passes when its command exits 0; Pebble runs it in the
// workload container and keeps its output when it fails.
type ExecCheck struct {
	Command string `yaml:"command"`
}

// TCPCheck passes when a TCP connection can be opened.
type TCPCheck struct {
	Host string `yaml:"host,omitempty"`
	Port int    `yaml:"port"`
}

// File is the ownership and mode of a pushed file.
type File struct {
	Path        string
	Content     []byte
	Permissions uint32
	User        string
	Group       string
}

// Pebble's service states (ServiceInfo.Current).
const (
	ServiceActive   = "active"
	ServiceInactive = "inactive"
	ServiceBackoff  = "backoff"
	ServiceError    = "error"
)

// ServiceInfo is the state of one service.
type ServiceInfo struct {
	Name    string
	Startup string
	// Current is active, inactive, backoff or error.
	Current string
}

// Running reports whether Pebble runs the service or keeps restarting it.
func (s ServiceInfo) Running() bool {
	return s.Current == ServiceActive || s.Current == ServiceBackoff
}

// CheckInfo is the state of one check.
type CheckInfo struct {
	Name     string
	Status   string // up, down or inactive
	Failures int
}
