package model

import (
	"fmt"
	"sort"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/hooktools"
)

func (hc *hookContext) Network(binding string) (hooktools.NetworkInfo, error) {
	defer hc.lock()()
	if binding != "" && binding != "juju-info" {
		if _, ok := hc.u.app.charm.Endpoint(binding); !ok {
			return hooktools.NetworkInfo{}, fmt.Errorf("no network config found for binding %q", binding)
		}
	}
	addr := hc.u.address
	// There is no Kubernetes Service (and so no ClusterIP) here: ingress
	// and egress use the pod IP, as Juju does when no service address exists.
	return hooktools.NetworkInfo{
		BindAddresses:    []string{addr},
		IngressAddresses: []string{addr},
		EgressSubnets:    []string{addr + "/32"},
	}, nil
}

func (hc *hookContext) PrivateAddress() string {
	defer hc.lock()()
	return hc.u.address
}

func (hc *hookContext) OpenPort(p hooktools.Port) error {
	defer hc.lock()()
	if hc.portsClose[p] {
		delete(hc.portsClose, p)
	} else {
		hc.portsOpen[p] = true
	}
	return nil
}

func (hc *hookContext) ClosePort(p hooktools.Port) error {
	defer hc.lock()()
	if hc.portsOpen[p] {
		delete(hc.portsOpen, p)
	} else {
		hc.portsClose[p] = true
	}
	return nil
}

func (hc *hookContext) openedPortsLocked() []hooktools.Port {
	set := map[hooktools.Port]bool{}
	for _, p := range hc.u.ports {
		set[p] = true
	}
	for p := range hc.portsOpen {
		set[p] = true
	}
	for p := range hc.portsClose {
		delete(set, p)
	}
	var out []hooktools.Port
	for p := range set {
		out = append(out, p)
	}
	sortPorts(out)
	return out
}

func sortPorts(ps []hooktools.Port) {
	sort.Slice(ps, func(i, j int) bool {
		if ps[i].Protocol != ps[j].Protocol {
			return ps[i].Protocol < ps[j].Protocol
		}
		return ps[i].Number < ps[j].Number
	})
}

func (hc *hookContext) OpenedPorts() []hooktools.Port {
	defer hc.lock()()
	return hc.openedPortsLocked()
}
