package walkthrough

import (
	"context"
	"fmt"
	"strconv"
	"time"

	temporaladmin "github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/temporal-admin-k8s"
)

// Scale sets every Temporal application's scale.
func (s *Scenario) Scale(ctx context.Context, n int) error {
	apps := map[string]bool{}
	for _, svc := range s.Services {
		if apps[svc.App] {
			continue
		}
		apps[svc.App] = true
		if err := s.run(ctx, "scale-application", svc.App, strconv.Itoa(n)); err != nil {
			return err
		}
	}
	return nil
}

// ringWatch polls the cluster description in the background and notes
// when every service ring first counts n members: the gossip view on its
// own, apart from how long the units take to settle in status.
type ringWatch struct {
	done   chan struct{}
	cancel context.CancelFunc
	at     time.Duration
	ok     bool
}

func (s *Scenario) watchRings(ctx context.Context, n int, start time.Time) *ringWatch {
	ctx, cancel := context.WithCancel(ctx)
	w := &ringWatch{done: make(chan struct{}), cancel: cancel}
	go func() {
		defer close(w.done)
		for {
			if d, _, err := s.Describe(ctx); err == nil && ringsAt(d, s.Services, n) {
				w.at, w.ok = time.Since(start), true
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(500 * time.Millisecond):
			}
		}
	}()
	return w
}

// stop ends the watch and returns when the rings got there, if they did.
func (w *ringWatch) stop() (time.Duration, bool) {
	w.cancel()
	<-w.done
	return w.at, w.ok
}

func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// ringsAt reports whether every service ring has exactly n members.
func ringsAt(d temporaladmin.Description, services []Service, n int) bool {
	for _, svc := range services {
		ring, ok := d.Ring(svc.Role)
		if !ok || len(ring.Members) != n {
			return false
		}
	}
	return true
}

// scaleTo scales to n and records how long until the units settled in
// status, until every ring first counted n members, and until the rings
// held exactly the units in status.
func (s *Scenario) scaleTo(ctx context.Context, n int, settle time.Duration, statusLabel string) error {
	start := time.Now()
	watch := s.watchRings(ctx, n, start)
	defer watch.stop()
	if err := s.Scale(ctx, n); err != nil {
		return err
	}
	if _, err := s.WaitSettled(ctx, s.scales(n), settle); err != nil {
		return err
	}
	s.record(fmt.Sprintf("scale to %d → %s", n, statusLabel), time.Since(start))
	if _, _, _, err := s.WaitMembership(ctx, s.scales(n), s.Timeouts.Members); err != nil {
		return err
	}
	total := time.Since(start)
	if at, ok := watch.stop(); ok {
		s.record(fmt.Sprintf("scale to %d → rings at %s each", n, plural(n, "member")), at)
	}
	s.record(fmt.Sprintf("scale to %d → %d members, matching status", n, n*len(s.Services)), total)
	return nil
}

// ScaleUp scales to n and records how long until the rings list every new
// member.
func (s *Scenario) ScaleUp(ctx context.Context, n int) error {
	return s.scaleTo(ctx, n, s.Timeouts.Settle, "all units active/idle")
}

// ScaleDown scales to n and records how long until the removed units are
// gone from status and from every ring.
func (s *Scenario) ScaleDown(ctx context.Context, n int) error {
	return s.scaleTo(ctx, n, s.Timeouts.ScaleDown, "removed units gone from status")
}
