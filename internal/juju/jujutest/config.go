package jujutest

// configGet follows config-get.go: without a key, options that are unset
// and have no default are left out unless --all is given.
func (m *Model) configGet(argv []string) ([]byte, error) {
	const name = "config-get"
	a, err := parse(name, argv, []string{"format"}, []string{"all", "a"})
	if err != nil {
		return nil, err
	}
	all := a.flags["all"] == "true" || a.flags["a"] == "true"
	if len(a.pos) > 0 {
		if a.pos[0] != "" && all {
			return nil, usage(name, "cannot use argument --all together with key %q", a.pos[0])
		}
		if len(a.pos) > 1 {
			return nil, unrecognized(name, a.pos[1:])
		}
		if a.pos[0] != "" {
			return output(a.flags["format"], m.state.Config[a.pos[0]])
		}
	}
	settings := map[string]any{}
	for k, v := range m.state.Config {
		if v != nil || all {
			settings[k] = v
		}
	}
	return output(a.flags["format"], settings)
}
