// Package model is a local stand-in for a Juju model on Kubernetes: it holds
// applications, units, relations, secrets and config, runs one unit agent
// per unit that decides the next hook the way Juju's uniter does, runs the
// charm's dispatch for it with Juju's environment, and serves the hook tools
// against a per-hook context whose writes are committed only when the hook
// succeeds.
package model

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/hooktools"
	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/internal/charmdir"
)

// Config configures a model.
type Config struct {
	Name     string
	UUID     string
	StateDir string
	Backend  Backend
	Clock    Clock
	// UpdateStatusInterval is the nominal update-status period; each wait is
	// randomised to 80-120% of it, as Juju does.
	UpdateStatusInterval time.Duration
	// PebblePollInterval is how often each workload's Pebble is polled for
	// a new boot id (Juju: 5 s).
	PebblePollInterval time.Duration
	// RetryMin and RetryMax bound the failed-hook retry back-off.
	RetryMin, RetryMax time.Duration
	JujuVersion        string
	// ClaimDelay is the leaderless gap after the leader's unit is removed:
	// Juju revokes a unit's lease once it is dead
	// (apiserver/common/unit.go RevokeLeadershipFunc, wired into the
	// uniter's DeadEnsurer and the CAAS application provisioner's
	// Remover), and the other units' trackers, blocked in
	// BlockUntilLeadershipReleased (internal/worker/leadership/tracker.go),
	// claim at once; the first claim wins. The gap is that round trip
	// (default 500 ms). Until the unit is dead, its teardown hooks run as
	// the leader.
	ClaimDelay time.Duration
	// TerminationGrace is how long a deleted pod's containers get between
	// SIGTERM and SIGKILL (default TerminationGrace, Kubernetes' 30 s).
	TerminationGrace time.Duration
	// Elect picks the leader among the live units, sorted by name; nil
	// picks at random, as Juju's lease claims race. Tests of hook tools
	// that need to know the leader beforehand set ElectLowest.
	Elect func(units []string) string
	// Seed seeds the model's choices Juju leaves to chance: which unit
	// wins an election and the order of relations in a unit's next hook.
	// Zero picks one at random; the model logs it, so that a failure can
	// be tried again with the same choices.
	Seed uint64
	// HookHistoryLimit is how many hook records each unit keeps, the
	// latest (default DefaultHookHistoryLimit).
	HookHistoryLimit int
	// Log receives the debug log.
	Log io.Writer
}

type life int

const (
	alive life = iota
	dying
	dead
)

// Model is a running local model.
type Model struct {
	cfg Config

	mu           sync.Mutex
	apps         map[string]*application
	relations    map[int]*relation
	secrets      map[string]*secret
	nextRelID    int
	nextActionID int
	contexts     map[string]*hookContext
	closed       bool

	logMu sync.Mutex

	// rng makes the choices Config.Seed seeds; under mu.
	rng *mrand.Rand

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

type application struct {
	name      string
	charm     *charmdir.Charm
	charmSrc  string
	rev       int
	config    map[string]any
	resources map[string]string
	units     map[string]*unit
	leader    string
	status    *hooktools.Status
	version   string
	life      life

	leaderSettings map[string]string
	leaderVersion  int
	// electing is set during the leaderless gap after a leader left.
	electing bool

	// service is the application's Kubernetes Service, created with the
	// application and gone with it.
	service Service
}

type settings struct {
	data    map[string]string
	version int64
}

type endpoint struct {
	app   string
	name  string
	role  charmdir.Role
	iface string
}

type relation struct {
	id    int
	eps   []endpoint
	life  life
	scope map[string]bool
	units map[string]*settings
	appS  map[string]*settings
	// since is when the relation's status was set: goal-state's "since"
	// of a related application (apiserver/facades/agent/uniter/uniter.go,
	// goalStateRelations).
	since time.Time
}

// New creates a model. Call Close to stop its agents.
func New(cfg Config) (*Model, error) {
	if cfg.Name == "" {
		cfg.Name = "localmodel"
	}
	if cfg.UUID == "" {
		cfg.UUID = newUUID()
	}
	if cfg.Clock == nil {
		cfg.Clock = RealClock
	}
	if cfg.UpdateStatusInterval == 0 {
		cfg.UpdateStatusInterval = 5 * time.Minute
	}
	if cfg.PebblePollInterval == 0 {
		cfg.PebblePollInterval = 5 * time.Second
	}
	if cfg.RetryMin == 0 {
		cfg.RetryMin = 5 * time.Second
	}
	if cfg.RetryMax == 0 {
		cfg.RetryMax = 5 * time.Minute
	}
	if cfg.JujuVersion == "" {
		cfg.JujuVersion = "3.6.25"
	}
	if cfg.ClaimDelay == 0 {
		cfg.ClaimDelay = 500 * time.Millisecond
	}
	if cfg.TerminationGrace == 0 {
		cfg.TerminationGrace = TerminationGrace
	}
	if cfg.HookHistoryLimit <= 0 {
		cfg.HookHistoryLimit = DefaultHookHistoryLimit
	}

	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	if cfg.Backend == nil {
		return nil, fmt.Errorf("cannot create model: no pod backend")
	}
	if err := os.MkdirAll(cfg.StateDir, 0o755); err != nil {
		return nil, fmt.Errorf("cannot create model state directory: %w", err)
	}
	if cfg.Seed == 0 {
		var b [8]byte
		rand.Read(b[:])
		cfg.Seed = binary.LittleEndian.Uint64(b[:]) | 1
	}
	ctx, cancel := context.WithCancel(context.Background())
	m := &Model{
		rng:       mrand.New(mrand.NewPCG(cfg.Seed, cfg.Seed>>1^0x9e3779b97f4a7c15)),
		cfg:       cfg,
		apps:      map[string]*application{},
		relations: map[int]*relation{},
		secrets:   map[string]*secret{},
		contexts:  map[string]*hookContext{},
		ctx:       ctx,
		cancel:    cancel,
	}
	m.logf("model", "INFO", "juju.model", "shuffle seed %d (replay with --seed %d)", cfg.Seed, cfg.Seed)
	return m, nil
}

// Seed returns the seed of the model's choices.
func (m *Model) Seed() uint64 { return m.cfg.Seed }

// Name returns the model name.
func (m *Model) Name() string { return m.cfg.Name }

// UUID returns the model UUID.
func (m *Model) UUID() string { return m.cfg.UUID }

func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// logf writes one debug-log line, Juju style:
// "unit-app-0: 15:04:05 INFO unit.app/0.juju-log message".
func (m *Model) logf(entity, level, logger, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	ts := m.cfg.Clock.Now().Format("15:04:05")
	m.logMu.Lock()
	defer m.logMu.Unlock()
	for _, line := range strings.Split(strings.TrimRight(msg, "\n"), "\n") {
		fmt.Fprintf(m.cfg.Log, "%s: %s %s %s %s\n", entity, ts, level, logger, line)
	}
}

func unitTag(name string) string { return "unit-" + strings.ReplaceAll(name, "/", "-") }

// wakeAll nudges every unit agent to look for work. Called with m.mu held.
func (m *Model) wakeAll() {
	for _, a := range m.apps {
		for _, u := range a.units {
			u.wake()
		}
	}
	m.persistLocked()
}

func (m *Model) unitLocked(name string) *unit {
	app := name
	if k := strings.IndexByte(name, '/'); k >= 0 {
		app = name[:k]
	}
	if a := m.apps[app]; a != nil {
		return a.units[name]
	}
	return nil
}

// persistLocked writes the model's status to the state directory, so that
// what is running can be seen (and cleaned up) without the daemon.
func (m *Model) persistLocked() {
	st := m.statusLocked()
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return
	}
	path := filepath.Join(m.cfg.StateDir, "status.json")
	tmp := path + ".tmp"
	if os.WriteFile(tmp, data, 0o644) == nil {
		os.Rename(tmp, path)
	}
}

// Close stops every unit agent without running teardown hooks, stopping
// workloads and deleting pods.
func (m *Model) Close() {
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
	m.cancel()
	m.wg.Wait()
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, a := range m.apps {
		if a.service != nil {
			a.service.Close()
			a.service = nil
		}
	}
}
