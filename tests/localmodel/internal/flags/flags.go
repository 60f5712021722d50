// Package flags parses command lines the way Juju's gnuflag does: GNU-style
// long and short options that may be interspersed with positional arguments,
// "--" to end option parsing, and errors that call a flag an "option".
package flags

import (
	"fmt"
	"strconv"
	"strings"
)

// ErrHelp is returned when -h or --help is given and not defined by the set.
var ErrHelp = fmt.Errorf("help requested")

// Value is a flag value that can be set from its string form.
type Value interface {
	Set(string) error
}

type flagDef struct {
	names  []string
	value  Value
	isBool bool
}

// Set is a set of flag definitions.
type Set struct {
	defs  []*flagDef
	byKey map[string]*flagDef
	seen  map[*flagDef]bool
}

// NewSet returns an empty flag set.
func NewSet() *Set {
	return &Set{byKey: map[string]*flagDef{}, seen: map[*flagDef]bool{}}
}

func (s *Set) add(v Value, isBool bool, names ...string) {
	d := &flagDef{names: names, value: v, isBool: isBool}
	s.defs = append(s.defs, d)
	for _, n := range names {
		s.byKey[n] = d
	}
}

// Var defines a flag with a custom value under one or more names.
func (s *Set) Var(v Value, names ...string) { s.add(v, false, names...) }

// String defines a string flag.
func (s *Set) String(p *string, def string, names ...string) {
	*p = def
	s.add((*stringValue)(p), false, names...)
}

// Bool defines a boolean flag.
func (s *Set) Bool(p *bool, names ...string) {
	*p = false
	s.add((*boolValue)(p), true, names...)
}

// Int defines an integer flag.
func (s *Set) Int(p *int, def int, names ...string) {
	*p = def
	s.add((*intValue)(p), false, names...)
}

// StringList defines a flag that may be repeated, each use appending a value.
func (s *Set) StringList(p *[]string, names ...string) {
	s.add((*listValue)(p), false, names...)
}

// Func defines a string flag handled by fn.
func (s *Set) Func(fn func(string) error, names ...string) {
	s.add(funcValue(fn), false, names...)
}

// IsSet reports whether the flag known by name was given.
func (s *Set) IsSet(name string) bool {
	d := s.byKey[name]
	return d != nil && s.seen[d]
}

func display(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// Parse parses args and returns the positional arguments.
func (s *Set) Parse(args []string) ([]string, error) {
	var pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			pos = append(pos, a)
			continue
		}
		given := a
		var name string
		if strings.HasPrefix(a, "--") {
			name = a[2:]
		} else {
			name = a[1:]
		}
		value, hasValue := "", false
		if k := strings.IndexByte(name, '='); k >= 0 {
			name, value, hasValue = name[:k], name[k+1:], true
			given = given[:strings.IndexByte(given, '=')]
		}
		d := s.byKey[name]
		if d == nil {
			if name == "h" || name == "help" {
				return nil, ErrHelp
			}
			return nil, fmt.Errorf("option provided but not defined: %s", given)
		}
		s.seen[d] = true
		if d.isBool {
			if hasValue {
				if err := d.value.Set(value); err != nil {
					return nil, fmt.Errorf("invalid boolean value %q for option %s: %v", value, given, err)
				}
			} else if err := d.value.Set("true"); err != nil {
				return nil, err
			}
			continue
		}
		if !hasValue {
			if i+1 >= len(args) {
				return nil, fmt.Errorf("option needs an argument: %s", given)
			}
			i++
			value = args[i]
		}
		if err := d.value.Set(value); err != nil {
			return nil, fmt.Errorf("invalid value %q for option %s: %v", value, given, err)
		}
	}
	return pos, nil
}

type stringValue string

func (v *stringValue) Set(s string) error { *v = stringValue(s); return nil }

type boolValue bool

func (v *boolValue) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return err
	}
	*v = boolValue(b)
	return nil
}

type intValue int

func (v *intValue) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil {
		return err
	}
	*v = intValue(n)
	return nil
}

type listValue []string

func (v *listValue) Set(s string) error { *v = append(*v, s); return nil }

type funcValue func(string) error

func (f funcValue) Set(s string) error { return f(s) }

// Display returns how a flag name is written on a command line.
func Display(name string) string { return display(name) }
