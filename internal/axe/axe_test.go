package axe_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"rango/internal/axe"
	"rango/internal/headless"
)

// TestRunFindsAndClears checks the checker itself: an image without a
// text alternative and a low-contrast paragraph are reported; the same
// page fixed passes.
func TestRunFindsAndClears(t *testing.T) {
	if _, err := os.Stat(headless.Chromium); err != nil {
		t.Skipf("no Chromium at %s: %v", headless.Chromium, err)
	}
	pages := map[string]string{
		"/bad":  `<!doctype html><html lang="en"><head><title>Bad</title></head><body><main><h1>Bad</h1><img src="/x.png"><p style="color:#aaa;background:#fff">faint</p></main></body></html>`,
		"/good": `<!doctype html><html lang="en"><head><title>Good</title></head><body><main><h1>Good</h1><img src="/x.png" alt="A cat"><p style="color:#333;background:#fff">clear</p></main></body></html>`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'unsafe-inline'")
		_, _ = w.Write([]byte(pages[r.URL.Path]))
	}))
	defer srv.Close()

	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), headless.Options(headless.Chromium, t.TempDir())...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, time.Minute)
	defer cancelTimeout()

	check := func(path string) map[string]bool {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+path)); err != nil {
			t.Fatal(err)
		}
		vs, err := axe.Run(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s:\n%s", path, axe.Report(vs))
		ids := map[string]bool{}
		for _, v := range vs {
			ids[v.ID] = true
		}
		return ids
	}
	bad := check("/bad")
	for _, want := range []string{"image-alt", "color-contrast"} {
		if !bad[want] {
			t.Errorf("axe did not report %s on a page that breaks it; got %v", want, bad)
		}
	}
	if good := check("/good"); len(good) > 0 {
		t.Errorf("axe reported %v on a page that passes", good)
	}
}
