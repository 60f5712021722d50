package hooktools

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

func itoa(n int) string { return strconv.Itoa(n) }

// write renders value in one of Juju's output formats (juju/cmd output.go).
func write(buf *bytes.Buffer, format string, value any) error {
	switch format {
	case "json":
		data, err := json.Marshal(value)
		if err != nil {
			return err
		}
		buf.Write(data)
		buf.WriteByte('\n')
		return nil
	case "yaml":
		return writeYAML(buf, value)
	case "smart":
		return writeSmart(buf, value)
	}
	return fmt.Errorf("unknown format %q", format)
}

func writeYAML(buf *bytes.Buffer, value any) error {
	if isNil(value) {
		return nil
	}
	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	if err := enc.Encode(value); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	buf.Write(out.Bytes())
	return nil
}

func isNil(value any) bool {
	if value == nil {
		return true
	}
	v := reflect.ValueOf(value)
	switch v.Kind() {
	case reflect.Map, reflect.Slice, reflect.Pointer, reflect.Interface:
		return v.IsNil()
	}
	return false
}

func writeSmart(buf *bytes.Buffer, value any) error {
	if value == nil {
		return nil
	}
	v := reflect.ValueOf(value)
	switch v.Kind() {
	case reflect.String:
		if v.String() == "" {
			return nil
		}
		buf.WriteString(v.String())
		buf.WriteByte('\n')
		return nil
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.String {
			items := make([]string, v.Len())
			for i := range items {
				items[i] = v.Index(i).String()
			}
			buf.WriteString(strings.Join(items, "\n"))
			buf.WriteByte('\n')
			return nil
		}
	case reflect.Bool:
		if v.Bool() {
			buf.WriteString("True\n")
		} else {
			buf.WriteString("False\n")
		}
		return nil
	}
	return writeYAML(buf, value)
}
