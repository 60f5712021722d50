package walkthrough

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"google.golang.org/grpc"
)

// Load starts Greet workflows at a steady rate through one frontend, with
// a worker in this process, and keeps count: a start the server refused
// is a client-visible outage; a started workflow that never completes is
// lost work.
type Load struct {
	client client.Client
	worker worker.Worker
	queue  string
	cancel context.CancelFunc
	done   chan struct{}

	mu   sync.Mutex
	runs []client.WorkflowRun
	// samples are the outcomes of the starts accepted, and of those
	// refused before Stop, in the order they ended; inFlight when each
	// unfinished start was asked for. Stop's figures and WaitSteady's
	// judgement come from both.
	samples  []sample
	inFlight map[string]time.Time
}

// sample is one start's outcome: err is why it was refused, "" if it was
// accepted.
type sample struct {
	asked time.Time
	took  time.Duration
	err   string
}

func (s sample) refused() bool { return s.err != "" }

// LoadResult is what a load saw between StartLoad and Stop.
type LoadResult struct {
	Started, Refused, Completed int
	// Failed names the started workflows that did not complete, and why.
	Failed []string
	// Refusals are the first few start errors.
	Refusals []string
	// P50 and P99 are the accepted starts' latencies (SDK retries
	// included); RefusalWindow spans the first to the last refused
	// start, 0 when none was.
	P50, P99      time.Duration
	RefusalWindow time.Duration
}

func (r LoadResult) String() string {
	return fmt.Sprintf("%d started, %d refused (window %s), %d completed, %d not completed; start latency p50 %s, p99 %s",
		r.Started, r.Refused, r.RefusalWindow.Round(time.Millisecond), r.Completed, len(r.Failed),
		r.P50.Round(time.Millisecond), r.P99.Round(time.Millisecond))
}

// percentile is the p-th percentile (0 < p <= 1) of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(i, 0)]
}

// StartLoad connects to hostPort and starts rate workflows a second until
// Stop.
func StartLoad(ctx context.Context, hostPort string, rate float64, name string) (*Load, error) {
	return StartLoadAt(ctx, Endpoint{HostPort: hostPort}, rate, name)
}

// StartLoadAt is StartLoad through any endpoint.
func StartLoadAt(ctx context.Context, e Endpoint, rate float64, name string) (*Load, error) {
	hostPort := e.String()
	if err := EnsureNamespaceAt(ctx, e, Namespace); err != nil {
		return nil, err
	}
	opts := e.options(Namespace)
	opts.ConnectionOptions.DialOptions = []grpc.DialOption{grpc.WithChainUnaryInterceptor(recordAttempt)}
	c, err := client.DialContext(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("cannot connect to %s: %w", hostPort, err)
	}
	l := &Load{client: c, queue: "load-" + name, done: make(chan struct{}), inFlight: map[string]time.Time{}}
	l.worker = worker.New(c, l.queue, worker.Options{})
	l.worker.RegisterWorkflow(Greet)
	l.worker.RegisterActivity(Hello)
	if err := l.worker.Start(); err != nil {
		c.Close()
		return nil, fmt.Errorf("cannot start a worker: %w", err)
	}
	loadCtx, cancel := context.WithCancel(context.Background())
	l.cancel = cancel
	go l.run(loadCtx, time.Duration(float64(time.Second)/rate), name)
	return l, nil
}

func (l *Load) run(ctx context.Context, every time.Duration, name string) {
	// Each start runs on its own, so a slow server does not slow the
	// rate down: what a fleet of clients would do.
	var starts sync.WaitGroup
	defer close(l.done)
	defer starts.Wait()
	tick := time.NewTicker(every)
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		starts.Add(1)
		go func(id string) {
			defer starts.Done()
			l.start(ctx, id)
		}(fmt.Sprintf("load-%s-%d-%d", name, time.Now().UnixNano(), i))
	}
}

// attempts records a call's tries: the SDK retries inside the caller's
// deadline, so the error a refused start returns is the deadline, and the
// cause is what the last try got.
type attempts struct {
	mu   sync.Mutex
	n    int
	last error
}

type attemptsKey struct{}

// recordAttempt runs inside the SDK's retry interceptor (the SDK chains
// the dial options' interceptors after its own, internal/grpc_dialer.go),
// so it sees every try.
func recordAttempt(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	err := invoker(ctx, method, req, reply, cc, opts...)
	if a, ok := ctx.Value(attemptsKey{}).(*attempts); ok {
		a.mu.Lock()
		a.n++
		if err != nil {
			a.last = err
		}
		a.mu.Unlock()
	}
	return err
}

func (l *Load) start(ctx context.Context, id string) {
	// A start gets the SDK's own retries for 10 s: what a client with a
	// deadline would see.
	startCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	tries := &attempts{}
	startCtx = context.WithValue(startCtx, attemptsKey{}, tries)
	asked := time.Now()
	l.mu.Lock()
	l.inFlight[id] = asked
	l.mu.Unlock()
	run, err := l.client.ExecuteWorkflow(startCtx, client.StartWorkflowOptions{ID: id, TaskQueue: l.queue}, Greet, "load")
	took := time.Since(asked)
	if err != nil {
		tries.mu.Lock()
		err = fmt.Errorf("%w (%d tries, the last: %v)", err, tries.n, tries.last)
		tries.mu.Unlock()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.inFlight, id)
	switch {
	case err == nil:
		l.runs = append(l.runs, run)
		l.samples = append(l.samples, sample{asked: asked, took: took})
	case ctx.Err() == nil:
		l.samples = append(l.samples, sample{asked: asked, took: took, err: err.Error()})
	}
}

// A scenario judged by what clients see starts once SteadyWindow's starts
// were each accepted within SteadyBound, waiting up to SteadyLimit for
// that. On this machine a start takes ~20 ms (p99 well under 200 ms) when
// nothing restarts.
const (
	SteadyWindow = 10 * time.Second
	SteadyBound  = time.Second
	SteadyLimit  = 3 * time.Minute
)

// StartSteadyLoad is StartLoad, returning once the load is steady
// (WaitSteady with the limits above), and steady says how it was. On an
// error the load is stopped.
func StartSteadyLoad(ctx context.Context, hostPort string, rate float64, name string) (l *Load, steady string, err error) {
	return StartSteadyLoadAt(ctx, Endpoint{HostPort: hostPort}, rate, name)
}

// StartSteadyLoadAt is StartSteadyLoad through any endpoint.
func StartSteadyLoadAt(ctx context.Context, e Endpoint, rate float64, name string) (l *Load, steady string, err error) {
	l, err = StartLoadAt(ctx, e, rate, name)
	if err != nil {
		return nil, "", err
	}
	p50, p99, err := l.WaitSteady(ctx, SteadyWindow, SteadyBound, SteadyLimit)
	if err != nil {
		l.Stop(time.Second)
		return nil, "", err
	}
	return l, fmt.Sprintf("the load steady before it: p50 %s, p99 %s", p50.Round(time.Millisecond), p99.Round(time.Millisecond)), nil
}

// ErrNotSteady is returned by WaitSteady when the machine never served
// the load normally.
var ErrNotSteady = errors.New("the load was never steady")

// WaitSteady waits until every start asked for in the last window was
// accepted within bound (and none older is still waiting), and returns the
// p50 and p99 of that window. A scenario that judges restarts by what
// clients see starts them only once the machine serves the load normally
// without them: a shared CI machine can be several times slower for a
// while, for reasons of its own, and that is not what the scenario
// measures. It gives up after limit with ErrNotSteady and the last
// window's figures.
func (l *Load) WaitSteady(ctx context.Context, window, bound, limit time.Duration) (p50, p99 time.Duration, err error) {
	deadline := time.Now().Add(limit)
	if err := sleep(ctx, window); err != nil {
		return 0, 0, err
	}
	for {
		now := time.Now()
		ok, p50, p99 := l.steadySince(now.Add(-window), now, bound)
		if ok {
			return p50, p99, nil
		}
		if now.After(deadline) {
			return p50, p99, fmt.Errorf("%w within %s: the last %s's starts took p50 %s, p99 %s, want every one under %s",
				ErrNotSteady, limit, window, p50.Round(time.Millisecond), p99.Round(time.Millisecond), bound)
		}
		if err := sleep(ctx, time.Second); err != nil {
			return 0, 0, err
		}
	}
}

// steadySince says whether every start asked for in [from, now) ended,
// accepted within bound, with none refused and none older still waiting
// longer than bound, and their latencies' p50 and p99.
func (l *Load) steadySince(from, now time.Time, bound time.Duration) (ok bool, p50, p99 time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ok = true
	for _, asked := range l.inFlight {
		if now.Sub(asked) >= bound {
			ok = false
		}
	}
	var took []time.Duration
	for _, s := range l.samples {
		if s.asked.Before(from) {
			continue
		}
		if s.refused() || s.took >= bound {
			ok = false
		}
		took = append(took, s.took)
	}
	slices.Sort(took)
	// A window with no start ended says nothing yet.
	return ok && len(took) > 0, percentile(took, 0.50), percentile(took, 0.99)
}

// Stop stops starting workflows, waits up to wait for every started one to
// complete, and closes the client.
func (l *Load) Stop(wait time.Duration) LoadResult {
	return l.StopThrough(l, wait)
}

// StopThrough is Stop, asking for the workflows' results through other's
// client: a client that can no longer reach the server (one without TLS,
// once the frontend serves TLS) has its workflows judged through one that
// can. Their task queue is other's when both loads have the same name.
func (l *Load) StopThrough(other *Load, wait time.Duration) LoadResult {
	l.cancel()
	<-l.done
	defer l.client.Close()
	defer l.worker.Stop()
	l.mu.Lock()
	runs, samples := l.runs, slices.Clone(l.samples)
	l.mu.Unlock()
	var refused []string
	var latencies []time.Duration
	var refusedAt []time.Time
	for _, s := range samples {
		if s.refused() {
			refused = append(refused, s.err)
			refusedAt = append(refusedAt, s.asked)
		} else {
			latencies = append(latencies, s.took)
		}
	}
	res := LoadResult{Started: len(runs), Refused: len(refused)}
	res.Refusals = refused[:min(len(refused), 5)]
	slices.Sort(latencies)
	res.P50, res.P99 = percentile(latencies, 0.50), percentile(latencies, 0.99)
	if len(refusedAt) > 0 {
		slices.SortFunc(refusedAt, time.Time.Compare)
		res.RefusalWindow = refusedAt[len(refusedAt)-1].Sub(refusedAt[0])
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	for _, run := range runs {
		var out string
		err := other.client.GetWorkflow(ctx, run.GetID(), run.GetRunID()).Get(ctx, &out)
		if err == nil && out != "hello load" {
			err = fmt.Errorf("returned %q", out)
		}
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				err = fmt.Errorf("not completed within %s", wait)
			}
			res.Failed = append(res.Failed, fmt.Sprintf("%s: %v", run.GetID(), err))
			continue
		}
		res.Completed++
	}
	return res
}
