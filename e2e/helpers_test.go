package e2e

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"rango/internal/axe"
)

// The two sizes every page is checked at: a laptop and a phone.
const (
	desktopWidth, desktopHeight = 1280, 800
	phoneWidth, phoneHeight     = 390, 844
)

// needChromium skips the test when there is no Chromium.
func needChromium(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("no Chromium at %s (install the chromium package to run the browser tests): %v", chromiumPath, err)
	}
}

// viewport sets the window's size; a phone-sized one emulates a phone
// (mobile viewport, touch, portrait).
func (b *browser) viewport(width, height int64) {
	b.t.Helper()
	var opts []chromedp.EmulateViewportOption
	if width < 600 {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait)
	}
	b.do(fmt.Sprintf("set the window to %dx%d", width, height), chromedp.EmulateViewport(width, height, opts...))
}

// press sends keys (kb.Tab, kb.Enter, kb.Escape, or text) to the page.
func (b *browser) press(what, keys string) {
	b.t.Helper()
	b.do(what, chromedp.KeyEvent(keys))
}

// eval runs a JavaScript expression and returns its value.
func eval[T any](b *browser, what, expr string) T {
	b.t.Helper()
	return run(b, what, chromedp.Evaluate[T](expr))
}

// axeClean runs axe-core on the page as it is and reports its violations
// of the WCAG 2.1 A and AA rules as test errors.
func (b *browser) axeClean(state string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, time.Minute)
	defer cancel()
	// Colours in the middle of a CSS transition (a button fading into its
	// hover state after a click) are no state a reader sees for long:
	// let finite animations finish first, for two seconds at most.
	b.do("let transitions finish", chromedp.Evaluate[chromedp.Void](`Promise.race([
		Promise.all(document.getAnimations()
			.filter(a => a.effect && a.effect.getTiming().iterations !== Infinity)
			.map(a => a.finished.catch(() => {}))),
		new Promise(resolve => setTimeout(resolve, 2000))])`, chromedp.EvalAwaitPromise))
	vs, err := axe.Run(ctx)
	if err != nil {
		b.fatal("run axe-core on "+state, err)
	}
	if len(vs) > 0 {
		b.t.Errorf("%s: %d WCAG 2.1 A/AA violations:\n%s", state, len(vs), axe.Report(vs))
	}
}

// activeElement describes the focused element, for messages and checks:
// its tag, id and text.
func (b *browser) activeElement() string {
	b.t.Helper()
	return eval[string](b, "read the focused element", `(() => {
		const e = document.activeElement;
		if (!e) return "none";
		return e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + " " + JSON.stringify((e.innerText || e.value || "").trim().slice(0, 60));
	})()`)
}

// settleScroll waits until the page stops scrolling: Bootstrap makes
// scrolling smooth, so a focus that scrolls the page takes a few frames.
func (b *browser) settleScroll() {
	b.t.Helper()
	b.do("wait for the scrolling to stop", chromedp.Evaluate[chromedp.Void](`new Promise(done => {
		let last = -1, still = 0;
		const frame = () => {
			if (scrollY === last && ++still >= 3) return done();
			if (scrollY !== last) still = 0;
			last = scrollY;
			requestAnimationFrame(frame);
		};
		frame();
	})`, chromedp.EvalAwaitPromise))
}

// typeInto focuses the field and types text, key by key.
func (b *browser) typeInto(sel, text string) {
	b.t.Helper()
	b.do("type "+text+" into "+sel, chromedp.Focus(chromedp.CSS(sel)), chromedp.KeyEvent(text))
}

// clearField empties a text field the way a person does: the cursor to the
// end, then Backspace until it is empty.
func (b *browser) clearField(sel string) {
	b.t.Helper()
	n := eval[int](b, "measure "+sel, `document.querySelector(`+jsString(sel)+`).value.length`)
	b.do("move to the end of "+sel, chromedp.Focus(chromedp.CSS(sel)), chromedp.Evaluate[chromedp.Void](
		`(() => { const e = document.querySelector(`+jsString(sel)+`); e.setSelectionRange(e.value.length, e.value.length) })()`))
	for range n {
		b.press("Backspace in "+sel, kb.Backspace)
	}
}

// htmxBusy matches what htmx marks while it works: the element of a request
// in flight, a target being swapped or settling, and new content it has not
// processed yet. htmx 2 gives swapped-in content its hx-* behaviour when it
// settles, 20 ms after the swap: until then a click on a button in it sends
// its form without htmx, as a whole page load.
const htmxBusy = ".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added"

// settled waits until htmx has no request in flight and nothing left to
// swap or settle.
func (b *browser) settled(what string) {
	b.t.Helper()
	b.waitUntil(what, `document.querySelector(`+jsString(htmxBusy)+`) === null`)
}

// swappedIn waits until an element that sel matches is visible and htmx
// has settled it, so that its links, buttons and forms work through htmx.
func (b *browser) swappedIn(what, sel string) {
	b.t.Helper()
	b.do(what, chromedp.WaitVisible(chromedp.CSS(sel)))
	b.settled(what + ": let htmx settle it")
}
