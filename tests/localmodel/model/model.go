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
	"maps"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
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
	// LeaseDuration is how long a leader that went away still holds
	// leadership: the container agent's tracker claims twice its
	// LeadershipGuarantee of 30 s (cmd/containeragent/unit/agent.go), so
	// the application has no leader for up to a minute (default 60 s).
	LeaseDuration time.Duration
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

func (e endpoint) String() string { return e.app + ":" + e.name }

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

func (r *relation) peer() bool { return len(r.eps) == 1 }

// key is Juju's relation key: requirer first.
func (r *relation) key() string {
	if r.peer() {
		return r.eps[0].String()
	}
	a, b := r.eps[0], r.eps[1]
	if a.role == charmdir.RoleProvider {
		a, b = b, a
	}
	return a.String() + " " + b.String()
}

// endpointOf returns the endpoint of app in the relation.
func (r *relation) endpointOf(app string) (endpoint, bool) {
	for _, e := range r.eps {
		if e.app == app {
			return e, true
		}
	}
	return endpoint{}, false
}

func (r *relation) remoteApp(app string) string {
	for _, e := range r.eps {
		if e.app != app {
			return e.app
		}
	}
	return app
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
	if cfg.LeaseDuration == 0 {
		cfg.LeaseDuration = time.Minute
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

// DeployArgs are the arguments of Deploy.
type DeployArgs struct {
	// Charm is the path of a .charm file or an unpacked charm directory.
	Charm     string
	App       string
	Config    map[string]string
	Resources map[string]string
	// DefaultResource resolves a resource not given in Resources.
	DefaultResource func(name string) (string, error)
	NumUnits        int
}

// Deploy adds an application and its units.
func (m *Model) Deploy(args DeployArgs) error {
	ch, err := m.unpackCharm(args.Charm, args.App, 0)
	if err != nil {
		return err
	}
	name := args.App
	if name == "" {
		name = ch.Meta.Name
	}
	if !validAppName(name) {
		return fmt.Errorf("invalid application name %q", name)
	}
	resources := map[string]string{}
	for k, v := range args.Resources {
		if _, ok := ch.Meta.Resources[k]; !ok {
			return fmt.Errorf("cannot deploy %q: charm has no resource %q", name, k)
		}
		resources[k] = v
	}
	for _, c := range ch.Meta.Containers {
		if _, ok := resources[c.Resource]; ok {
			continue
		}
		if args.DefaultResource == nil {
			return fmt.Errorf("cannot deploy %q: resource %q is not given", name, c.Resource)
		}
		v, err := args.DefaultResource(c.Resource)
		if err != nil {
			return fmt.Errorf("cannot deploy %q: %w", name, err)
		}
		resources[c.Resource] = v
	}
	cfg, err := parseConfig(ch, args.Config)
	if err != nil {
		return err
	}
	n := args.NumUnits
	if n == 0 {
		n = 1
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return fmt.Errorf("model is shutting down")
	}
	if _, ok := m.apps[name]; ok {
		return fmt.Errorf("application %q already exists", name)
	}
	a := &application{
		name: name, charm: ch, charmSrc: args.Charm, config: cfg,
		resources: resources, units: map[string]*unit{},
		leaderSettings: map[string]string{},
	}
	m.apps[name] = a
	for _, ep := range ch.Endpoints() {
		if ep.Role == charmdir.RolePeer {
			m.addRelationLocked([]endpoint{{app: name, name: ep.Name, role: ep.Role, iface: ep.Interface}})
		}
	}
	m.scaleLocked(a, n)
	m.logf("model", "INFO", "juju.model", "deployed %q from %s with %d unit(s)", name, args.Charm, n)
	return nil
}

func validAppName(s string) bool {
	if s == "" {
		return false
	}
	return strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-')
	}) < 0 && s[0] >= 'a' && s[0] <= 'z'
}

// unpackCharm copies a charm into the model's charm store.
func (m *Model) unpackCharm(src, app string, rev int) (*charmdir.Charm, error) {
	probe := filepath.Join(m.cfg.StateDir, "charms", fmt.Sprintf(".probe-%d-%s", rev, newUUID()[:8]))
	ch, err := charmdir.Unpack(src, probe)
	if err != nil {
		os.RemoveAll(probe)
		return nil, err
	}
	if app == "" {
		app = ch.Meta.Name
	}
	dest := filepath.Join(m.cfg.StateDir, "charms", fmt.Sprintf("%s-%d", app, rev))
	os.RemoveAll(dest)
	if err := os.Rename(probe, dest); err != nil {
		return nil, fmt.Errorf("cannot store charm: %w", err)
	}
	ch.Path = dest
	return ch, nil
}

// parseConfig types raw values per config.yaml.
func parseConfig(ch *charmdir.Charm, raw map[string]string) (map[string]any, error) {
	out := map[string]any{}
	for k, v := range raw {
		opt, ok := ch.Options[k]
		if !ok {
			return nil, fmt.Errorf("unknown option %q", k)
		}
		val, err := typedValue(opt.Type, v)
		if err != nil {
			return nil, fmt.Errorf("option %q expected %s, got %q", k, opt.Type, v)
		}
		out[k] = val
	}
	return out, nil
}

func typedValue(typ, v string) (any, error) {
	switch typ {
	case "int":
		return strconv.ParseInt(v, 10, 64)
	case "float":
		return strconv.ParseFloat(v, 64)
	case "boolean":
		return strconv.ParseBool(v)
	}
	return v, nil
}

// resolvedConfig returns every option's value: user set, else default, else
// nil.
func resolvedConfig(a *application) map[string]any {
	out := map[string]any{}
	for k, opt := range a.charm.Options {
		if v, ok := a.config[k]; ok {
			out[k] = v
			continue
		}
		out[k] = normalizeDefault(opt)
	}
	return out
}

// normalizeDefault makes YAML-decoded defaults the types Juju hands out.
func normalizeDefault(opt charmdir.Option) any {
	switch v := opt.Default.(type) {
	case int:
		if opt.Type == "float" {
			return float64(v)
		}
		return int64(v)
	}
	return opt.Default
}

// Relate adds a relation between two endpoints ("app" or "app:endpoint").
func (m *Model) Relate(a, b string) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ea, eb, err := m.inferEndpoints(a, b)
	if err != nil {
		return 0, err
	}
	for _, r := range m.relations {
		if r.life != alive || r.peer() {
			continue
		}
		if (r.eps[0] == ea && r.eps[1] == eb) || (r.eps[0] == eb && r.eps[1] == ea) {
			return 0, fmt.Errorf("relation %s already exists", r.key())
		}
	}
	for _, e := range []endpoint{ea, eb} {
		if err := m.checkLimitLocked(e); err != nil {
			return 0, fmt.Errorf("cannot add relation %q: %w", ea.String()+" "+eb.String(), err)
		}
	}
	r := m.addRelationLocked([]endpoint{ea, eb})
	m.logf("model", "INFO", "juju.model", "added relation %d: %s", r.id, r.key())
	m.wakeAll()
	return r.id, nil
}

// checkLimitLocked enforces an endpoint's relation limit from metadata.
func (m *Model) checkLimitLocked(e endpoint) error {
	info, ok := m.apps[e.app].charm.Endpoint(e.name)
	if !ok || info.Limit == 0 {
		return nil
	}
	n := 0
	for _, r := range m.relations {
		if r.life != alive || r.peer() {
			continue
		}
		if x, ok := r.endpointOf(e.app); ok && x.name == e.name {
			n++
		}
	}
	if n >= info.Limit {
		return fmt.Errorf("establishing a new relation for %s would exceed its maximum relation limit of %d", e, info.Limit)
	}
	return nil
}

func (m *Model) addRelationLocked(eps []endpoint) *relation {
	r := &relation{
		id: m.nextRelID, eps: eps, scope: map[string]bool{},
		units: map[string]*settings{}, appS: map[string]*settings{},
		since: m.cfg.Clock.Now(),
	}
	m.nextRelID++
	for _, e := range eps {
		r.appS[e.app] = &settings{data: map[string]string{}}
	}
	m.relations[r.id] = r
	return r
}

func splitEndpoint(s string) (string, string) {
	if k := strings.IndexByte(s, ':'); k >= 0 {
		return s[:k], s[k+1:]
	}
	return s, ""
}

func (m *Model) inferEndpoints(a, b string) (endpoint, endpoint, error) {
	appA, epA := splitEndpoint(a)
	appB, epB := splitEndpoint(b)
	aa, ok := m.apps[appA]
	if !ok || aa.life != alive {
		return endpoint{}, endpoint{}, fmt.Errorf("application %q not found", appA)
	}
	ab, ok := m.apps[appB]
	if !ok || ab.life != alive {
		return endpoint{}, endpoint{}, fmt.Errorf("application %q not found", appB)
	}
	var matches [][2]endpoint
	for _, x := range aa.charm.Endpoints() {
		if epA != "" && x.Name != epA {
			continue
		}
		for _, y := range ab.charm.Endpoints() {
			if epB != "" && y.Name != epB {
				continue
			}
			if x.Interface != y.Interface || x.Role == charmdir.RolePeer || y.Role == charmdir.RolePeer {
				continue
			}
			if x.Role == y.Role {
				continue
			}
			matches = append(matches, [2]endpoint{
				{app: appA, name: x.Name, role: x.Role, iface: x.Interface},
				{app: appB, name: y.Name, role: y.Role, iface: y.Interface},
			})
		}
	}
	switch len(matches) {
	case 0:
		return endpoint{}, endpoint{}, fmt.Errorf("no relations found between %q and %q", a, b)
	case 1:
		return matches[0][0], matches[0][1], nil
	}
	var names []string
	for _, mt := range matches {
		names = append(names, mt[0].String()+" "+mt[1].String())
	}
	return endpoint{}, endpoint{}, fmt.Errorf("ambiguous relation: %q could refer to %s", a+" "+b, strings.Join(names, "; "))
}

// RemoveRelation removes the relation between two endpoints.
func (m *Model) RemoveRelation(a, b string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	appA, epA := splitEndpoint(a)
	appB, epB := splitEndpoint(b)
	var found []*relation
	for _, r := range m.relations {
		if r.peer() || r.life != alive {
			continue
		}
		match := func(e endpoint, app, ep string) bool { return e.app == app && (ep == "" || e.name == ep) }
		if (match(r.eps[0], appA, epA) && match(r.eps[1], appB, epB)) || (match(r.eps[1], appA, epA) && match(r.eps[0], appB, epB)) {
			found = append(found, r)
		}
	}
	switch len(found) {
	case 0:
		return fmt.Errorf("relation %q not found", a+" "+b)
	case 1:
	default:
		return fmt.Errorf("ambiguous relation: specify the endpoints")
	}
	m.killRelationLocked(found[0])
	m.wakeAll()
	return nil
}

// killRelationLocked marks a relation dying: every unit leaves scope, so
// remote units see departed, and then broken.
func (m *Model) killRelationLocked(r *relation) {
	r.life = dying
	for u := range r.scope {
		delete(r.scope, u)
	}
	m.maybeRemoveRelationLocked(r)
}

// maybeRemoveRelationLocked deletes a dying relation once no unit still has
// to run its broken hook.
func (m *Model) maybeRemoveRelationLocked(r *relation) {
	if r.life == alive {
		return
	}
	for _, e := range r.eps {
		a := m.apps[e.app]
		if a == nil {
			continue
		}
		for _, u := range a.units {
			if lr := u.rels[r.id]; lr != nil && lr.created {
				return
			}
		}
	}
	delete(m.relations, r.id)
	for _, s := range m.secrets {
		s.dropGrants(r.id)
	}
}

// SetConfig changes an application's config; reset lists keys to restore
// to their defaults.
func (m *Model) SetConfig(app string, values map[string]string, reset []string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, ok := m.apps[app]
	if !ok {
		return fmt.Errorf("application %q not found", app)
	}
	// key= sets a string option to ""; other types have no empty value,
	// so it restores their default.
	values = maps.Clone(values)
	for k, v := range values {
		if opt, ok := a.charm.Options[k]; ok && v == "" && opt.Type != "string" && opt.Type != "" {
			reset = append(reset, k)
			delete(values, k)
		}
	}
	cfg, err := parseConfig(a.charm, values)
	if err != nil {
		return err
	}
	for _, k := range reset {
		if _, ok := a.charm.Options[k]; !ok {
			return fmt.Errorf("unknown option %q", k)
		}
	}
	for k, v := range cfg {
		a.config[k] = v
	}
	for _, k := range reset {
		delete(a.config, k)
	}
	m.wakeAll()
	return nil
}

// ConfigValue is one option as `juju config APP` shows it.
type ConfigValue struct {
	Type        string `json:"type" yaml:"type"`
	Description string `json:"description,omitempty" yaml:"description,omitempty"`
	Default     any    `json:"default,omitempty" yaml:"default,omitempty"`
	Value       any    `json:"value,omitempty" yaml:"value,omitempty"`
	Source      string `json:"source" yaml:"source"`
}

// Config returns an application's options.
func (m *Model) Config(app string) (map[string]ConfigValue, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, ok := m.apps[app]
	if !ok {
		return nil, fmt.Errorf("application %q not found", app)
	}
	out := map[string]ConfigValue{}
	for k, opt := range a.charm.Options {
		cv := ConfigValue{Type: opt.Type, Description: opt.Description, Default: normalizeDefault(opt), Source: "unset"}
		if opt.Default != nil {
			cv.Value, cv.Source = cv.Default, "default"
		}
		if v, ok := a.config[k]; ok {
			cv.Value, cv.Source = v, "user"
		}
		out[k] = cv
	}
	return out, nil
}

// Scale sets the number of units of an application.
func (m *Model) Scale(app string, n int) error {
	if n < 0 {
		return fmt.Errorf("scale must be non-negative")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return fmt.Errorf("model is shutting down")
	}
	a, ok := m.apps[app]
	if !ok || a.life != alive {
		return fmt.Errorf("application %q not found", app)
	}
	m.scaleLocked(a, n)
	m.wakeAll()
	return nil
}

func (m *Model) scaleLocked(a *application, n int) {
	var aliveUnits []*unit
	used := map[int]bool{}
	for _, u := range a.units {
		used[u.ordinal] = true
		if u.life == alive {
			aliveUnits = append(aliveUnits, u)
		}
	}
	sort.Slice(aliveUnits, func(i, j int) bool { return aliveUnits[i].ordinal < aliveUnits[j].ordinal })
	for len(aliveUnits) > n {
		u := aliveUnits[len(aliveUnits)-1]
		aliveUnits = aliveUnits[:len(aliveUnits)-1]
		m.destroyUnitLocked(u)
	}
	for ord := 0; len(aliveUnits) < n; ord++ {
		if used[ord] {
			continue
		}
		used[ord] = true
		u := m.newUnitLocked(a, ord)
		aliveUnits = append(aliveUnits, u)
	}
	if a.leader == "" {
		m.electLeaderLocked(a)
	}
}

// electLeaderLocked gives leadership to a live unit picked at random: in
// Juju whichever agent's claim on the lease lands first wins
// (internal/worker/leadership), which may be any unit.
func (m *Model) electLeaderLocked(a *application) {
	var live []*unit
	for _, u := range a.units {
		if u.life == alive {
			live = append(live, u)
		}
	}
	sort.Slice(live, func(i, j int) bool { return live[i].ordinal < live[j].ordinal })
	a.leader = ""
	a.electing = false
	if len(live) > 0 {
		best := live[m.rng.IntN(len(live))]
		if m.cfg.Elect != nil {
			names := make([]string, len(live))
			for i, u := range live {
				names[i] = u.name
			}
			best = a.units[m.cfg.Elect(names)]
		}
		a.leader = best.name
		best.leaderNotified = false
	}
	a.leaderVersion++
}

// ElectLowest elects the unit with the lowest ordinal.
func ElectLowest(units []string) string { return units[0] }

// leaderGoneLocked starts the leaderless gap after the leader's unit went
// away: its lease runs out before another unit's claim can succeed.
func (m *Model) leaderGoneLocked(a *application) {
	a.leader = ""
	if a.electing {
		return
	}
	a.electing = true
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		select {
		case <-m.ctx.Done():
			return
		case <-m.cfg.Clock.After(m.cfg.LeaseDuration):
		}
		m.mu.Lock()
		defer m.mu.Unlock()
		if m.closed || m.apps[a.name] != a || !a.electing {
			return
		}
		m.electLeaderLocked(a)
		m.logf("model", "INFO", "juju.worker.leadership", "%s elected leader of %s", a.leader, a.name)
		m.wakeAll()
	}()
}

func (m *Model) destroyUnitLocked(u *unit) {
	if u.life != alive {
		return
	}
	u.life = dying
	for _, r := range m.relations {
		delete(r.scope, u.name)
	}
}

// RemoveApplication removes an application: its relations die and every
// unit is torn down.
func (m *Model) RemoveApplication(app string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, ok := m.apps[app]
	if !ok || a.life != alive {
		return fmt.Errorf("application %q not found", app)
	}
	a.life = dying
	for _, r := range m.relations {
		if _, ok := r.endpointOf(app); ok && r.life == alive {
			m.killRelationLocked(r)
		}
	}
	for _, u := range a.units {
		m.destroyUnitLocked(u)
	}
	m.maybeRemoveAppLocked(a)
	m.wakeAll()
	return nil
}

func (m *Model) maybeRemoveAppLocked(a *application) {
	if a.life == alive || len(a.units) > 0 {
		return
	}
	delete(m.apps, a.name)
	if a.service != nil {
		a.service.Close()
		a.service = nil
	}
	for _, r := range m.relations {
		if _, ok := r.endpointOf(a.name); ok {
			m.maybeRemoveRelationLocked(r)
		}
	}
	for id, s := range m.secrets {
		if s.ownerApp() == a.name {
			delete(m.secrets, id)
		}
	}
}

// Refresh upgrades an application to a new charm.
func (m *Model) Refresh(app, path string) error {
	m.mu.Lock()
	a, ok := m.apps[app]
	if !ok {
		m.mu.Unlock()
		return fmt.Errorf("application %q not found", app)
	}
	if path == "" {
		path = a.charmSrc
	}
	rev := a.rev + 1
	m.mu.Unlock()
	ch, err := m.unpackCharm(path, app, rev)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if ch.Meta.Name != a.charm.Meta.Name {
		return fmt.Errorf("cannot refresh %q: charm name %q differs from %q", app, ch.Meta.Name, a.charm.Meta.Name)
	}
	for k := range a.config {
		if _, ok := ch.Options[k]; !ok {
			delete(a.config, k)
		}
	}
	a.charm, a.charmSrc, a.rev = ch, path, rev
	m.logf("model", "INFO", "juju.model", "refreshed %q to revision %d", app, rev)
	m.wg.Add(1)
	go m.rollRefresh(m.ctx, a, rev)
	return nil
}

// FailCommits makes the next n hooks of a unit that exit 0 fail to
// commit, as when Juju cannot flush what they staged.
func (m *Model) FailCommits(unitName string, n int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	u := m.unitLocked(unitName)
	if u == nil || u.life == dead {
		return fmt.Errorf("unit %q not found", unitName)
	}
	u.failCommits = n
	return nil
}

// Resolved clears a unit's hook error: the failed hook is retried at once,
// or skipped with noRetry.
func (m *Model) Resolved(unitName string, noRetry bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	u := m.unitLocked(unitName)
	if u == nil {
		return fmt.Errorf("unit %q not found", unitName)
	}
	if u.failed == nil {
		return fmt.Errorf("unit %q is not in an error state", unitName)
	}
	if noRetry {
		f := u.failed
		u.clearError()
		if f.onSuccess != nil {
			f.onSuccess()
		}
	} else {
		u.retryAt = time.Time{}
	}
	m.wakeAll()
	return nil
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

// hostsLocked recomputes the hosts file, standing in for cluster DNS:
// each application name resolves to its Service, each pod name to its pod.
// postgresql-k8s also answers as <app>-primary and <app>-replicas, the
// Services the real charm creates; with one unit they select the same pod.
func (m *Model) hostsLocked() []HostEntry {
	var entries []HostEntry
	var apps []string
	for name := range m.apps {
		apps = append(apps, name)
	}
	sort.Strings(apps)
	for _, name := range apps {
		a := m.apps[name]
		if a.service != nil {
			var names []string
			aliases := []string{name}
			if a.charm.Meta.Name == "postgresql-k8s" {
				aliases = append(aliases, name+"-primary", name+"-replicas")
			}
			for _, n := range aliases {
				names = append(names, n, n+"."+m.cfg.Name+".svc.cluster.local")
			}
			entries = append(entries, HostEntry{Address: a.service.Address(), Names: names})
		}
		var units []*unit
		for _, u := range a.units {
			if u.address != "" && u.life != dead {
				units = append(units, u)
			}
		}
		sort.Slice(units, func(i, j int) bool { return units[i].ordinal < units[j].ordinal })
		for _, u := range units {
			pod := fmt.Sprintf("%s-%d", name, u.ordinal)
			names := []string{pod, pod + "." + name + "-endpoints", pod + "." + name + "-endpoints." + m.cfg.Name + ".svc.cluster.local"}
			entries = append(entries, HostEntry{Address: u.address, Names: names})
		}
	}
	return entries
}

// syncServicesLocked brings every application's Service up to date: the
// union of the TCP ports its units opened, forwarded to the units whose
// pods are ready.
func (m *Model) syncServicesLocked() {
	if m.closed {
		return
	}
	for name, a := range m.apps {
		if a.service == nil {
			svc, err := m.cfg.Backend.Service(name)
			if err != nil {
				m.logf("model", "ERROR", "juju.worker.caasfirewaller", "cannot create the %s service: %v", name, err)
				continue
			}
			a.service = svc
		}
		var ports []int
		var endpoints []string
		for _, u := range a.units {
			if u.address == "" || u.life == dead {
				continue
			}
			for _, p := range u.ports {
				if p.Protocol == "tcp" && !slices.Contains(ports, p.Number) {
					ports = append(ports, p.Number)
				}
			}
			if u.podReadyLocked() {
				endpoints = append(endpoints, u.address)
			}
		}
		sort.Ints(ports)
		sort.Strings(endpoints)
		if err := a.service.Update(ports, endpoints); err != nil {
			m.logf("model", "ERROR", "juju.worker.caasfirewaller", "cannot update the %s service: %v", name, err)
		}
	}
}

func (m *Model) updateHostsLocked() {
	m.syncServicesLocked()
	if err := m.cfg.Backend.SetHosts(m.hostsLocked()); err != nil {
		m.logf("model", "ERROR", "juju.model", "cannot update hosts: %v", err)
	}
}
