package e2e

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"rango/internal/testsite"
)

// Targets for the bytes a page view transfers, headers included (issue 9).
const (
	firstVisitTarget  = 60 * 1024
	repeatVisitTarget = 15 * 1024
)

// transfers records what the tab receives over the network: the bytes of
// each finished request (Network.loadingFinished's encodedDataLength:
// headers and body as sent), by URL.
type transfers struct {
	mu    sync.Mutex
	urls  map[network.RequestID]string
	bytes map[network.RequestID]float64
}

func (b *browser) watchTransfers() *transfers {
	b.t.Helper()
	tr := &transfers{}
	tr.reset()
	err := chromedp.Listen(b.ctx, func(ev any) {
		tr.mu.Lock()
		defer tr.mu.Unlock()
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			tr.urls[e.RequestID] = e.Request.URL
		case *network.EventLoadingFinished:
			tr.bytes[e.RequestID] += e.EncodedDataLength
		}
	})
	if err != nil {
		b.t.Fatal(err)
	}
	return tr
}

func (tr *transfers) reset() {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.urls, tr.bytes = map[network.RequestID]string{}, map[network.RequestID]float64{}
}

// total returns the bytes received since the last reset, how many
// requests went to the server (not served from the cache), and one line
// per request, biggest first.
func (tr *transfers) total() (int, int, []string) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	var sum float64
	var lines []string
	sent := 0
	for id, n := range tr.bytes {
		sum += n
		if n > 0 {
			sent++
		}
		u, _ := url.Parse(tr.urls[id])
		path := tr.urls[id]
		if u != nil {
			path = u.RequestURI()
		}
		lines = append(lines, fmt.Sprintf("%6.0f B  %s", n, path))
	}
	sort.Sort(sort.Reverse(sort.StringSlice(lines)))
	return int(sum), sent, lines
}

// settle waits until the page has loaded and made no request for a while
// (the icon comes after the load event).
func (b *browser) settle() {
	b.t.Helper()
	b.waitUntil("wait for the page to load", `document.readyState === "complete" && !document.querySelector(".htmx-request")`)
	time.Sleep(500 * time.Millisecond)
}

// TestPageWeight measures, in the browser, the bytes a first visit to the
// home page transfers (empty cache) and a repeat visit (the static files
// cached), against the targets of 60 KB and 15 KB; and an htmx
// navigation. The figures go to BENCHMARKS.md.
func TestPageWeight(t *testing.T) {
	needChromium(t)
	site := testsite.Start(t, db, nil)
	if err := site.Store.LoadSampleData(context.Background()); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, site.URL)
	b.viewport(desktopWidth, desktopHeight)
	tr := b.watchTransfers()

	// measure loads a page; maxSent is how many requests may reach the
	// server (the rest come from the cache).
	measure := func(what string, limit, maxSent int, load func()) {
		t.Helper()
		tr.reset()
		load()
		b.settle()
		n, sent, lines := tr.total()
		t.Logf("%s: %d requests, %d to the server, %d bytes (%.1f KB)\n  %s", what, len(lines), sent, n, float64(n)/1024, strings.Join(lines, "\n  "))
		if n > limit {
			t.Errorf("%s transferred %d bytes, want at most %d", what, n, limit)
		}
		if sent > maxSent {
			t.Errorf("%s sent %d requests to the server, want at most %d: the static files should come from the cache", what, sent, maxSent)
		}
	}
	measure("first visit to /", firstVisitTarget, 7, func() { b.open("/") })
	measure("repeat visit to /", repeatVisitTarget, 1, func() { b.open("/") })
	measure("repeat visit to /category/python", repeatVisitTarget, 1, func() { b.open("/category/python") })
	measure("htmx navigation to /about", repeatVisitTarget, 1, func() {
		b.do("follow About", chromedp.Click(chromedp.CSS(`#nav-menu a[href="/about"]`), chromedp.NodeVisible))
		b.waitUntil("wait for the page", `document.title === "About · Rango"`)
	})
}
