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

	mu      sync.Mutex
	runs    []client.WorkflowRun
	refused []string
	// latencies are the accepted starts' durations; refusedAt when each
	// refusal's start was asked for.
	latencies []time.Duration
	refusedAt []time.Time
}

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
	if err := EnsureNamespace(ctx, hostPort, Namespace); err != nil {
		return nil, err
	}
	c, err := client.DialContext(ctx, client.Options{HostPort: hostPort, Namespace: Namespace, Logger: quietLogger()})
	if err != nil {
		return nil, fmt.Errorf("cannot connect to %s: %w", hostPort, err)
	}
	l := &Load{client: c, queue: "load-" + name, done: make(chan struct{})}
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

func (l *Load) start(ctx context.Context, id string) {
	// A start gets the SDK's own retries for 10 s: what a client with a
	// deadline would see.
	startCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	asked := time.Now()
	run, err := l.client.ExecuteWorkflow(startCtx, client.StartWorkflowOptions{ID: id, TaskQueue: l.queue}, Greet, "load")
	took := time.Since(asked)
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case err == nil:
		l.runs = append(l.runs, run)
		l.latencies = append(l.latencies, took)
	case ctx.Err() == nil:
		l.refused = append(l.refused, err.Error())
		l.refusedAt = append(l.refusedAt, asked)
	}
}

// Stop stops starting workflows, waits up to wait for every started one to
// complete, and closes the client.
func (l *Load) Stop(wait time.Duration) LoadResult {
	l.cancel()
	<-l.done
	defer l.client.Close()
	defer l.worker.Stop()
	l.mu.Lock()
	runs, refused := l.runs, l.refused
	latencies, refusedAt := slices.Clone(l.latencies), slices.Clone(l.refusedAt)
	l.mu.Unlock()
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
		err := run.Get(ctx, &out)
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
