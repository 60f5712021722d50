package model

import (
	"fmt"
	"slices"
	"sort"
)

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
