package temporaladmin

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Connection is one database as a Temporal server application publishes it
// in database_connections.
type Connection struct {
	DBName   string
	Host     string
	Port     string
	User     string
	Password string
	TLS      bool
}

// Connections is the decoded database_connections value.
type Connections struct {
	DB         Connection
	Visibility Connection
}

// wireConnection is the JSON shape. The server sends the port as a string
// and tls as a bool; older or hand-written data may use a number and a
// string, and reading them costs nothing.
type wireConnection struct {
	DBName   string          `json:"dbname"`
	Host     string          `json:"host"`
	Port     json.RawMessage `json:"port"`
	User     string          `json:"user"`
	Password string          `json:"password"`
	TLS      json.RawMessage `json:"tls"`
}

// ParseConnections decodes and checks database_connections.
func ParseConnections(s string) (Connections, error) {
	if strings.TrimSpace(s) == "" {
		return Connections{}, errors.New("cannot parse database_connections: empty")
	}
	var wire map[string]wireConnection
	if err := json.Unmarshal([]byte(s), &wire); err != nil {
		return Connections{}, fmt.Errorf("cannot parse database_connections: %w", err)
	}
	var conns Connections
	for _, kind := range []string{KindDB, KindVisibility} {
		w, ok := wire[kind]
		if !ok {
			return Connections{}, fmt.Errorf("cannot parse database_connections: no %q entry", kind)
		}
		c, err := w.connection()
		if err != nil {
			return Connections{}, fmt.Errorf("cannot parse database_connections %q: %w", kind, err)
		}
		if kind == KindDB {
			conns.DB = c
		} else {
			conns.Visibility = c
		}
	}
	return conns, nil
}

// Get returns the connection of a kind (KindDB or KindVisibility).
func (c Connections) Get(kind string) Connection {
	if kind == KindVisibility {
		return c.Visibility
	}
	return c.DB
}

func (w wireConnection) connection() (Connection, error) {
	c := Connection{DBName: w.DBName, Host: w.Host, User: w.User, Password: w.Password}
	port, err := scalar(w.Port)
	if err != nil {
		return Connection{}, fmt.Errorf("port: %w", err)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return Connection{}, fmt.Errorf("invalid port %q", port)
	}
	c.Port = port
	tls, err := scalar(w.TLS)
	if err != nil {
		return Connection{}, fmt.Errorf("tls: %w", err)
	}
	switch strings.ToLower(tls) {
	case "", "false", "null":
	case "true":
		c.TLS = true
	default:
		return Connection{}, fmt.Errorf("invalid tls %q", tls)
	}
	var missing []string
	for _, f := range []struct{ name, value string }{{"dbname", c.DBName}, {"host", c.Host}, {"user", c.User}, {"password", c.Password}} {
		if f.value == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return Connection{}, fmt.Errorf("missing %s", strings.Join(missing, ", "))
	}
	return c, nil
}

// scalar renders a JSON string, number or bool as text.
func scalar(raw json.RawMessage) (string, error) {
	if len(raw) == 0 {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", err
	}
	switch v := v.(type) {
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	case bool:
		return strconv.FormatBool(v), nil
	case nil:
		return "", nil
	}
	return "", fmt.Errorf("unexpected value %s", raw)
}
