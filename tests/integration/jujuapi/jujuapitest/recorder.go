// Package jujuapitest records the requests the jujuapi helpers send, so
// offline tests can compare them with what `juju deploy`, `juju integrate`,
// `juju scale-application`, `juju config` and `juju run` send.
//
// Facade calls go through Juju's own fake caller
// (github.com/juju/juju/api/base/testing.APICallerFunc); the HTTP uploads
// (charm archive, resource) go to an httptest server.
package jujuapitest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/juju/version/v2"
	"gopkg.in/httprequest.v1"

	"github.com/juju/juju/api"
	"github.com/juju/juju/api/base"
	basetesting "github.com/juju/juju/api/base/testing"

	"github.com/temporal-k8s/temporal-k8s/tests/integration/jujuapi"
)

// Call is one facade request as it would go on the wire.
type Call struct {
	Facade  string
	Version int
	Method  string
	// Args is the request's JSON, so tests compare what the controller
	// would receive whatever Go type carried it.
	Args string
}

// Upload is one HTTP request (charm or resource upload).
type Upload struct {
	Method string
	Path   string
	Query  string
	Header http.Header
	Body   string
}

// Recorder answers facade calls from canned replies and records them.
type Recorder struct {
	mu      sync.Mutex
	calls   []Call
	uploads []Upload
	// replies holds, per "Facade.Method", the replies to give in turn;
	// the last one repeats. A reply that is an error is returned as the
	// call's error; any other value is copied into the response via JSON.
	replies map[string][]any
	srv     *httptest.Server
	// uploadHeader is set on every HTTP response: the charm putter reads
	// the stored charm URL from the Juju-Curl header.
	uploadHeader http.Header
}

// New returns a recorder and a caller that serves replies. The caller
// negotiates the newest facade versions this Juju client supports, as a
// 3.6 controller would.
func New(t testing.TB, replies map[string][]any) (*Recorder, base.APICallCloser) {
	t.Helper()
	r := &Recorder{replies: replies, uploadHeader: http.Header{}}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serveHTTP))
	t.Cleanup(r.srv.Close)
	return r, caller{APICallerFunc: r.apiCall, httpClient: &httprequest.Client{BaseURL: r.srv.URL}}
}

// SetUploadHeader sets a header on every HTTP response.
func (r *Recorder) SetUploadHeader(key, value string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.uploadHeader.Set(key, value)
}

// Calls returns the facade calls so far, in order.
func (r *Recorder) Calls() []Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.calls)
}

// Uploads returns the HTTP requests so far, in order.
func (r *Recorder) Uploads() []Upload {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.uploads)
}

func (r *Recorder) apiCall(facade string, version int, _ string, method string, args, response interface{}) error {
	body, err := json.Marshal(args)
	if err != nil {
		return fmt.Errorf("cannot encode %s.%s args: %w", facade, method, err)
	}
	key := facade + "." + method
	r.mu.Lock()
	r.calls = append(r.calls, Call{Facade: facade, Version: version, Method: method, Args: string(body)})
	queue := r.replies[key]
	var reply any
	if len(queue) > 0 {
		reply = queue[0]
		if len(queue) > 1 {
			r.replies[key] = queue[1:]
		}
	}
	r.mu.Unlock()
	if reply == nil {
		return fmt.Errorf("no reply for %s", key)
	}
	if err, ok := reply.(error); ok {
		return err
	}
	if response == nil {
		return nil
	}
	data, err := json.Marshal(reply)
	if err != nil {
		return fmt.Errorf("cannot encode reply to %s: %w", key, err)
	}
	return json.Unmarshal(data, response)
}

func (r *Recorder) serveHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	r.uploads = append(r.uploads, Upload{
		Method: req.Method,
		Path:   req.URL.Path,
		Query:  req.URL.RawQuery,
		Header: req.Header.Clone(),
		Body:   string(body),
	})
	for k, v := range r.uploadHeader {
		w.Header()[k] = v
	}
	r.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte("{}"))
}

// caller is Juju's APICallerFunc with the two things it lacks for these
// helpers: real facade versions and an HTTP client for uploads.
type caller struct {
	basetesting.APICallerFunc
	httpClient *httprequest.Client
}

func (c caller) BestFacadeVersion(facade string) int {
	versions := api.SupportedFacadeVersions()[facade]
	if len(versions) == 0 {
		return 0 // unknown to this client, as the real negotiation says
	}
	return slices.Max(versions)
}

func (c caller) HTTPClient() (*httprequest.Client, error) { return c.httpClient, nil }

func (c caller) RootHTTPClient() (*httprequest.Client, error) { return c.httpClient, nil }

// NewModel returns a jujuapi.Model over a recording caller, polling every
// millisecond and settling after two passes so waits finish at once.
func NewModel(t testing.TB, replies map[string][]any) (*Recorder, *jujuapi.Model) {
	t.Helper()
	rec, c := New(t, replies)
	m := jujuapi.NewModel(c, version.MustParse("3.6.25"))
	m.PollInterval = time.Millisecond
	m.Settle = 2
	return rec, m
}
