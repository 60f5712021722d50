package conformance_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/internal/juju/jujutest"
)

// The charm's fake (internal/juju/jujutest) as the suite's second world.

// The fake's ids of the fixture's secrets, well-formed xids.
const (
	jtGranted = "secret://" + modelUUID + "/d0q8cbe2km4s73c9l2og"
	jtHidden  = "secret://" + modelUUID + "/d0q8cbe2km4s73c9l2p0"
	jtOwn     = "secret://" + modelUUID + "/d0q8cbe2km4s73c9l2pg"
)

// jtWorld is the fixture as the charm's unit tests would write it: one
// jujutest.Model per unit.
type jtWorld struct {
	models map[string]*jujutest.Model
}

func newJTWorld() *jtWorld {
	config := map[string]any{"s": "hi", "n": 1, "f": 0.5, "b": true, "u": nil}
	bind := func(ip string) map[string]string {
		return map[string]string{"peer": ip, "api": ip, "backend": ip, "juju-info": ip}
	}
	secrets := func() []*jujutest.Secret {
		return []*jujutest.Secret{
			{URI: jtGranted, Granted: true, Revisions: []map[string]string{{"password": "one"}}},
			{URI: jtHidden, Revisions: []map[string]string{{"token": "hidden"}}},
			{URI: jtOwn, Owner: jujutest.OwnerApplication, Revisions: []map[string]string{{"key": "app-owned"}}},
		}
	}
	backend := func(ip string) *jujutest.Relation {
		return &jujutest.Relation{
			ID: "backend:2", RemoteApp: "b", RemoteUnits: []string{"b/0"},
			RemoteAppData:  bAppData,
			RemoteUnitData: map[string]map[string]string{"b/0": scope(ipB0, b0Data)},
			LocalAppData:   map[string]string{},
			LocalUnitData:  scope(ip, nil),
		}
	}
	active := juju.Status{Name: juju.StatusActive}
	return &jtWorld{models: map[string]*jujutest.Model{
		"a/0": jujutest.New(jujutest.State{
			Unit: "a/0", Leader: true, ModelUUID: modelUUID, Config: config, UnitStatus: active,
			Relations: []*jujutest.Relation{{
				ID: "peer:0", RemoteApp: "a", RemoteUnits: []string{"a/1"},
				RemoteUnitData: map[string]map[string]string{"a/1": scope(ipA1, a1Peer)},
				LocalAppData:   aPeerData, LocalUnitData: scope(ipA0, nil),
			}, backend(ipA0)},
			Secrets: secrets(), BindAddress: bind(ipA0),
		}),
		"a/1": jujutest.New(jujutest.State{
			Unit: "a/1", Leader: false, ModelUUID: modelUUID, Config: config,
			Relations: []*jujutest.Relation{{
				ID: "peer:0", RemoteApp: "a", RemoteUnits: []string{"a/0"},
				RemoteUnitData: map[string]map[string]string{"a/0": scope(ipA0, nil)},
				LocalAppData:   aPeerData, LocalUnitData: scope(ipA1, a1Peer),
			}, backend(ipA1)},
			Secrets: secrets(), BindAddress: bind(ipA1),
		}),
	}}
}

func (w *jtWorld) vars() map[string]string {
	return map[string]string{"granted": jtGranted, "hidden": jtHidden, "own": jtOwn}
}

func (w *jtWorld) run(t *testing.T, unit string, params map[string]any, body func(r juju.Runner) int) outcome {
	t.Helper()
	m := w.models[unit]
	require.NotNil(t, m, "no unit %s in the fake's fixture", unit)
	if params == nil {
		if code := body(m); code != 0 {
			m.Rollback()
			return outcome{}
		}
		return outcome{Committed: m.Commit() == nil}
	}
	m.Update(func(s *jujutest.State) { s.ActionParams = params })
	code := body(m)
	out := outcome{Committed: true, Status: "completed"}
	if code != 0 {
		m.Rollback()
		out.Status, out.Message = "failed", fmt.Sprintf("exit status %d", code)
	} else if err := m.Commit(); err != nil {
		out.Committed = false
		out.Status, out.Message = "failed", "committing requested changes failed"
	}
	results, failed := m.ActionResults()
	if failed != nil && out.Message == "" {
		out.Status, out.Message = "failed", *failed
	}
	out.Results = results
	m.Update(func(s *jujutest.State) { s.ActionParams = nil })
	return out
}

func (w *jtWorld) publish(_ *testing.T, content map[string]string) {
	for _, m := range w.models {
		m.Update(func(s *jujutest.State) {
			for _, sec := range s.Secrets {
				if sec.URI == jtGranted {
					sec.Revisions = append(sec.Revisions, content)
				}
			}
		})
	}
}
