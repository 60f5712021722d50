package hooktools

import "errors"

func networkGet(c *inv) error {
	var id int
	var bind, ingress, egress, primary bool
	c.formatFlags("smart", allFormats...)
	c.relationFlag(&id)
	c.fs.Bool(&bind, "bind-address")
	c.fs.Bool(&ingress, "ingress-address")
	c.fs.Bool(&egress, "egress-subnets")
	c.fs.Bool(&primary, "primary-address")
	pos, err := c.parse()
	if err != nil {
		return err
	}
	// internal/worker/uniter/runner/jujuc/network-get.go: Init needs a
	// binding name; Run wants --primary-address alone.
	if len(pos) == 0 {
		return usagef("no arguments specified")
	}
	if pos[0] == "" {
		return usagef("no binding name specified")
	}
	if len(pos) > 1 {
		return unrecognized(pos[1:])
	}
	info, err := c.ctx.Network(pos[0])
	if err != nil {
		return err
	}
	first := func(l []string) string {
		if len(l) == 0 {
			return ""
		}
		return l[0]
	}
	if primary {
		if bind || ingress || egress {
			return errors.New("--primary-address must be the only flag specified")
		}
		return c.write(first(info.BindAddresses))
	}
	selected := map[string]any{}
	if bind {
		selected["bind-address"] = first(info.BindAddresses)
	}
	if ingress {
		selected["ingress-address"] = first(info.IngressAddresses)
	}
	if egress {
		selected["egress-subnets"] = info.EgressSubnets
	}
	switch len(selected) {
	case 0:
		type addr struct {
			Hostname string `json:"hostname" yaml:"hostname"`
			Value    string `json:"value" yaml:"value"`
			CIDR     string `json:"cidr" yaml:"cidr"`
			Address  string `json:"-" yaml:"address"`
		}
		type bindAddr struct {
			MAC       string `json:"mac-address" yaml:"mac-address"`
			Interface string `json:"interface-name" yaml:"interface-name"`
			Addresses []addr `json:"addresses" yaml:"addresses"`
			MACLegacy string `json:"-" yaml:"macaddress"`
			IfLegacy  string `json:"-" yaml:"interfacename"`
		}
		type full struct {
			Bind    []bindAddr `json:"bind-addresses,omitempty" yaml:"bind-addresses,omitempty"`
			Egress  []string   `json:"egress-subnets,omitempty" yaml:"egress-subnets,omitempty"`
			Ingress []string   `json:"ingress-addresses,omitempty" yaml:"ingress-addresses,omitempty"`
		}
		out := full{Egress: info.EgressSubnets, Ingress: info.IngressAddresses}
		for _, a := range info.BindAddresses {
			out.Bind = append(out.Bind, bindAddr{Addresses: []addr{{Value: a, Address: a}}})
		}
		return c.write(out)
	case 1:
		for _, v := range selected {
			return c.write(v)
		}
	}
	return c.write(selected)
}
