package cluster_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"testing"
	"time"

	"rango/internal/galera"
	"rango/internal/testsite"
)

// exec runs a statement on a node directly.
func exec(t *testing.T, n *galera.Node, query string) {
	t.Helper()
	db, err := sql.Open("mysql", n.DSN(""))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(query); err != nil {
		t.Fatalf("node %d: %s: %v", n.Index, query, err)
	}
}

// waitFor polls cond every 100 ms for up to d.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > d {
			t.Fatalf("%s: not after %s", what, d)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return time.Since(start)
}

// proxyState is HAProxy's view of a node on its multi-writer port.
func proxyState(t *testing.T, n *galera.Node) string {
	t.Helper()
	states, err := cluster.ProxyStates("multi")
	if err != nil {
		t.Fatal(err)
	}
	return states[fmt.Sprintf("n%d", n.Index)]
}

// A node that is not Synced: /readyz says so (a load balancer takes the
// instance out), and HAProxy takes the node out of the database pool. A
// node cut off from its cluster's quorum answers 1047, which every page
// turns into 503 with Retry-After, never 500; when it is back, so is the
// site, without a restart.
func TestNodeNotReady(t *testing.T) {
	node := cluster.Nodes[2]
	site := siteOn(t, node.Addr(), newDatabase("states"))
	c := site.NewClient(t)
	c.Register("steady", "long enough")
	testsite.WantStatus(t, c.Get("/readyz"), http.StatusOK)

	t.Run("desynced", func(t *testing.T) {
		exec(t, node, "SET GLOBAL wsrep_desync=ON")
		defer exec(t, node, "SET GLOBAL wsrep_desync=OFF")
		if r := c.Get("/readyz"); r.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("/readyz on a Donor/Desynced node: %d, want 503", r.StatusCode)
		}
		testsite.WantStatus(t, c.Get("/about"), http.StatusOK) // it still serves
		took := waitFor(t, 10*time.Second, "HAProxy takes the desynced node out", func() bool {
			return proxyState(t, node) == "DOWN"
		})
		t.Logf("HAProxy took the desynced node out after %s", took.Round(100*time.Millisecond))
	})
	waitFor(t, 10*time.Second, "HAProxy puts the node back", func() bool { return proxyState(t, node) == "UP" })
	testsite.WantStatus(t, c.Get("/readyz"), http.StatusOK)

	t.Run("without quorum", func(t *testing.T) {
		exec(t, node, "SET GLOBAL wsrep_provider_options='gmcast.isolate=1'")
		isolated := true
		defer func() {
			if isolated {
				exec(t, node, "SET GLOBAL wsrep_provider_options='gmcast.isolate=0'")
			}
		}()
		waitFor(t, 15*time.Second, "the isolated node leaves the primary component", func() bool {
			state, err := node.State(context.Background())
			return err == nil && state != "Synced"
		})
		for _, req := range []struct{ method, path string }{
			{"GET", "/"}, {"GET", "/about"}, {"GET", "/category/python"}, {"GET", "/restricted"},
			{"GET", "/account/sessions"}, {"POST", "/logout"},
		} {
			var r *testsite.Response
			if req.method == "POST" {
				r = c.Post(req.path, nil)
			} else {
				r = c.Get(req.path)
			}
			if r.StatusCode != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" {
				t.Errorf("%s %s on a node without quorum: %d (Retry-After %q), want 503 with Retry-After",
					req.method, req.path, r.StatusCode, r.Header.Get("Retry-After"))
			}
		}
		if r := c.Get("/readyz"); r.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("/readyz on a node without quorum: %d, want 503", r.StatusCode)
		}
		waitFor(t, 10*time.Second, "HAProxy takes the node out", func() bool { return proxyState(t, node) == "DOWN" })
		exec(t, node, "SET GLOBAL wsrep_provider_options='gmcast.isolate=0'")
		isolated = false
		took := waitFor(t, 60*time.Second, "the node is Synced again", func() bool {
			state, err := node.State(context.Background())
			return err == nil && state == "Synced"
		})
		t.Logf("rejoined and Synced %s after the isolation ended", took.Round(100*time.Millisecond))
		testsite.WantStatus(t, c.Get("/readyz"), http.StatusOK)
		if r := c.Get("/restricted"); r.StatusCode != http.StatusOK {
			t.Errorf("after the node rejoined: /restricted %d, want 200 (the login kept)", r.StatusCode)
		}
	})
	waitFor(t, 10*time.Second, "HAProxy puts the node back", func() bool { return proxyState(t, node) == "UP" })
	noErrorsLogged(t, site)
}
