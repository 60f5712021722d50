package jujutest

// networkGet follows network-get.go for a unit whose binding has one
// address: the pod IP on Kubernetes.
func (m *Model) networkGet(argv []string) ([]byte, error) {
	const name = "network-get"
	a, _, err := m.relationArgs(name, argv, nil, []string{"bind-address", "ingress-address", "egress-subnets", "primary-address"})
	if err != nil {
		return nil, err
	}
	if len(a.pos) < 1 {
		return nil, usage(name, "no arguments specified")
	}
	if a.pos[0] == "" {
		return nil, usage(name, "no binding name specified")
	}
	if len(a.pos) > 1 {
		return nil, unrecognized(name, a.pos[1:])
	}
	addr, ok := m.state.BindAddress[a.pos[0]]
	if !ok {
		return nil, failure(name, "no network config found for binding %q", a.pos[0])
	}
	var keys []string
	for _, k := range []string{"bind-address", "ingress-address", "egress-subnets"} {
		if a.flags[k] == "true" {
			keys = append(keys, k)
		}
	}
	values := map[string]any{"bind-address": addr, "ingress-address": addr, "egress-subnets": []string{addr + "/32"}}
	switch {
	case a.flags["primary-address"] == "true":
		if len(keys) > 0 {
			return nil, failure(name, "--primary-address must be the only flag specified")
		}
		return output(a.flags["format"], addr)
	case len(keys) == 0:
		type address struct {
			Hostname string `json:"hostname"`
			Value    string `json:"value"`
			CIDR     string `json:"cidr"`
		}
		type info struct {
			MAC       string    `json:"mac-address"`
			Interface string    `json:"interface-name"`
			Addresses []address `json:"addresses"`
		}
		return output(a.flags["format"], struct {
			Bind    []info   `json:"bind-addresses,omitempty"`
			Egress  []string `json:"egress-subnets,omitempty"`
			Ingress []string `json:"ingress-addresses,omitempty"`
		}{
			Bind:    []info{{Addresses: []address{{Value: addr}}}},
			Egress:  []string{addr + "/32"},
			Ingress: []string{addr},
		})
	case len(keys) == 1:
		return output(a.flags["format"], values[keys[0]])
	}
	selected := map[string]any{}
	for _, k := range keys {
		selected[k] = values[k]
	}
	return output(a.flags["format"], selected)
}
