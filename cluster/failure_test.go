package cluster_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"rango/internal/testsite"
)

// load runs browsers against the sites until stop, each visiting /about
// (a session write) in a loop, and records every answer.
type load struct {
	mu      sync.Mutex
	results []result
	stop    atomic.Bool
	wg      sync.WaitGroup
}

func startLoad(sites []*testsite.Site, perSite int) *load {
	l := &load{}
	for _, s := range sites {
		for range perSite {
			l.wg.Add(1)
			go func() {
				defer l.wg.Done()
				br := newBrowser()
				for !l.stop.Load() {
					r := br.get(s.URL + "/about")
					r.body = ""
					l.mu.Lock()
					l.results = append(l.results, r)
					l.mu.Unlock()
				}
			}()
		}
	}
	return l
}

func (l *load) finish() []result {
	l.stop.Store(true)
	l.wg.Wait()
	return l.results
}

// longestStall is the longest time without a served (200) request
// finishing, within [from, to].
func longestStall(results []result, from, to time.Time) time.Duration {
	var ends []time.Time
	for _, r := range results {
		if end := r.start.Add(r.took); r.err == nil && r.status == http.StatusOK && end.After(from) && end.Before(to) {
			ends = append(ends, end)
		}
	}
	slices.SortFunc(ends, func(a, b time.Time) int { return a.Compare(b) })
	longest, last := time.Duration(0), from
	for _, e := range append(ends, to) {
		longest = max(longest, e.Sub(last))
		last = e
	}
	return longest
}

// A node killed while two instances serve through HAProxy: the cluster
// stalls for about evs.suspect_timeout (2 s here) until the others drop
// the node; requests answer 200 or 503, never another 5xx; the node
// rejoins by incremental state transfer without touching Rango; and every
// session written before the fault is still there. The stall is bounded by
// twice the suspect timeout and two seconds (the new view's installation,
// the pools' reconnection through HAProxy, a busy machine).
func TestNodeKilledUnderLoad(t *testing.T) {
	db := newDatabase("kill")
	a := siteOn(t, cluster.MultiWriterAddr(), db)
	b := siteOn(t, cluster.MultiWriterAddr(), db)
	sites := []*testsite.Site{a, b}

	// Sessions written before the fault: 40 browsers, 1 to 3 visits each.
	type written struct {
		br     *browser
		visits int
	}
	var before []written
	for i := range 40 {
		br := newBrowser()
		for j := range 1 + i%3 {
			if r := br.get(sites[(i+j)%2].URL + "/about"); r.status != http.StatusOK {
				t.Fatalf("before the fault: %d %v", r.status, r.err)
			}
		}
		before = append(before, written{br, 1 + i%3})
	}

	victim := cluster.Nodes[1]
	l := startLoad(sites, 6)
	time.Sleep(2 * time.Second)
	killed := time.Now()
	victim.Kill()
	waitFor(t, 10*time.Second, "HAProxy takes the killed node out", func() bool { return proxyState(t, victim) == "DOWN" })
	bound := 2*suspectTimeout + 2*time.Second
	time.Sleep(bound)
	window := time.Now()

	rejoinStart := time.Now()
	if err := victim.Rejoin(context.Background()); err != nil {
		l.finish()
		t.Fatal(err)
	}
	rejoined := time.Since(rejoinStart)
	waitFor(t, 10*time.Second, "HAProxy puts the node back", func() bool { return proxyState(t, victim) == "UP" })
	time.Sleep(2 * time.Second)
	results := l.finish()

	statuses := map[int]int{}
	for _, r := range results {
		if r.err != nil {
			t.Errorf("no answer: %v", r.err)
			continue
		}
		statuses[r.status]++
	}
	for status, n := range statuses {
		if status != http.StatusOK && status != http.StatusServiceUnavailable {
			t.Errorf("%d requests answered %d", n, status)
		}
	}
	stall := longestStall(results, killed, window)
	t.Logf("kill under load: %v; longest time without a served request after the kill: %s; "+
		"node %d rejoined by %s in %s", statuses, stall.Round(10*time.Millisecond), victim.Index, victim.JoinedBy(),
		rejoined.Round(100*time.Millisecond))
	if stall > bound {
		t.Errorf("the sites stalled %s after the kill, want under %s (evs.suspect_timeout is %s)", stall, bound, suspectTimeout)
	}
	if by := victim.JoinedBy(); by != "IST" {
		t.Errorf("the killed node rejoined by %s, want IST", by)
	}
	if statuses[http.StatusOK] < 100 {
		t.Errorf("only %d requests served around the fault", statuses[http.StatusOK])
	}

	// Every session from before: its next visit, on either instance,
	// counts on from where it was.
	for i, w := range before {
		want := fmt.Sprintf("Visits: %d", w.visits+1)
		if got := visits(w.br.get(sites[i%2].URL + "/about").body); got != want {
			t.Errorf("session %d written before the fault: %q, want %q", i, got, want)
		}
	}
	noErrorsLogged(t, a, b)
}
