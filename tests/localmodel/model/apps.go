package model

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/internal/charmdir"
)

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

// liveAppLocked is app, refused once the model shuts down or the
// application is dying or gone: what a command that changes its units
// may act on.
func (m *Model) liveAppLocked(app string) (*application, error) {
	if m.closed {
		return nil, fmt.Errorf("model is shutting down")
	}
	a, ok := m.apps[app]
	if !ok || a.life != alive {
		return nil, fmt.Errorf("application %q not found", app)
	}
	return a, nil
}

// Scale sets the number of units of an application.
func (m *Model) Scale(app string, n int) error {
	if n < 0 {
		return fmt.Errorf("scale must be non-negative")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	a, err := m.liveAppLocked(app)
	if err != nil {
		return err
	}
	m.scaleLocked(a, n)
	m.wakeAll()
	return nil
}

// RemoveUnits removes an application's n highest units, as `juju
// remove-unit APP --num-units N` does on Kubernetes: a k8s model cannot
// remove a named unit (cmd/juju/application/removeunit.go), it lowers the
// scale by n and the StatefulSet removes the highest ordinals
// (state/application.go ChangeScale).
func (m *Model) RemoveUnits(app string, n int) error {
	if n <= 0 {
		return fmt.Errorf("specify the number of units (> 0) to remove using --num-units")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	a, err := m.liveAppLocked(app)
	if err != nil {
		return err
	}
	live := 0
	for _, u := range a.units {
		if u.life == alive {
			live++
		}
	}
	if n > live {
		return fmt.Errorf("cannot remove more units than currently exist: %s has %d", app, live)
	}
	m.scaleLocked(a, live-n)
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
	if a.leader == "" && !a.electing {
		// An application's first unit claims at once; during the gap
		// after a leader's removal, the pending claim decides.
		m.electLeaderLocked(a)
	}
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
	if err := m.checkRelationsLocked(a, ch); err != nil {
		return fmt.Errorf("cannot upgrade application %q to charm %q: %w", app, path, err)
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

// checkRelationsLocked refuses a charm that does not implement an
// endpoint of one of the application's relations, as Juju does
// (state/application.go, checkRelationsOps, with charm/v12's
// Relation.ImplementedBy): the same name, role and interface. A peer
// relation may go; it becomes irrelevant after the refresh.
func (m *Model) checkRelationsLocked(a *application, ch *charmdir.Charm) error {
	ids := make([]int, 0, len(m.relations))
	for id := range m.relations {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	for _, id := range ids {
		r := m.relations[id]
		ep, ok := r.endpointOf(a.name)
		if !ok || ep.role == charmdir.RolePeer {
			continue
		}
		if got, ok := ch.Endpoint(ep.name); !ok || got.Role != ep.role || got.Interface != ep.iface {
			return fmt.Errorf("would break relation %q", r.key())
		}
	}
	return nil
}
