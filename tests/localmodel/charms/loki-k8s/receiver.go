package loki

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"strconv"
	"sync"
)

// Entry is one log line as received: its stream's labels, its timestamp
// (nanoseconds since the epoch, as text) and the line.
type Entry struct {
	Labels map[string]string `json:"labels"`
	Time   string            `json:"time"`
	Line   string            `json:"line"`
}

// pushRequest is Loki's JSON push body
// (https://grafana.com/docs/loki/latest/reference/loki-http-api/#ingest-logs):
// what Pebble's loki client sends (internals/overlord/logstate/loki/loki.go).
type pushRequest struct {
	Streams []struct {
		Stream map[string]string `json:"stream"`
		Values [][]string        `json:"values"`
	} `json:"streams"`
}

// Receiver records pushed entries in a JSON-lines file.
type Receiver struct {
	path string
	mu   sync.Mutex
}

// NewReceiver records into path.
func NewReceiver(path string) *Receiver { return &Receiver{path: path} }

// ServeHTTP implements http.Handler.
func (r *Receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	switch {
	case req.URL.Path == "/ready" && req.Method == http.MethodGet:
		fmt.Fprintln(w, "ready")
	case req.URL.Path == "/loki/api/v1/push" && req.Method == http.MethodPost:
		r.push(w, req)
	case req.URL.Path == "/received" && req.Method == http.MethodGet:
		r.received(w, req)
	default:
		http.NotFound(w, req)
	}
}

func (r *Receiver) push(w http.ResponseWriter, req *http.Request) {
	ct, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type"))
	if ct != "application/json" {
		// Loki also takes protobuf with snappy; Pebble 1.26 sends JSON
		// only, so anything else here is news.
		http.Error(w, "the stand-in takes application/json only, not "+ct, http.StatusUnsupportedMediaType)
		return
	}
	var body pushRequest
	if err := json.NewDecoder(io.LimitReader(req.Body, 16<<20)).Decode(&body); err != nil {
		http.Error(w, "cannot parse the push request: "+err.Error(), http.StatusBadRequest)
		return
	}
	var entries []Entry
	for _, s := range body.Streams {
		for _, v := range s.Values {
			if len(v) < 2 {
				http.Error(w, "a value needs a timestamp and a line", http.StatusBadRequest)
				return
			}
			if _, err := strconv.ParseInt(v[0], 10, 64); err != nil {
				http.Error(w, fmt.Sprintf("timestamp %q is not nanoseconds", v[0]), http.StatusBadRequest)
				return
			}
			entries = append(entries, Entry{Labels: s.Stream, Time: v[0], Line: v[1]})
		}
	}
	if err := r.append(entries); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (r *Receiver) append(entries []Entry) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	f, err := os.OpenFile(r.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("cannot record: %w", err)
	}
	enc := json.NewEncoder(f)
	for _, e := range entries {
		if err := enc.Encode(e); err != nil {
			f.Close()
			return fmt.Errorf("cannot record: %w", err)
		}
	}
	return f.Close()
}

// received serves every recorded entry, oldest first, as a JSON array.
func (r *Receiver) received(w http.ResponseWriter, _ *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := []Entry{}
	if f, err := os.Open(r.path); err == nil {
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			var e Entry
			if json.Unmarshal(sc.Bytes(), &e) == nil {
				out = append(out, e)
			}
		}
		f.Close()
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}
