// Command screenshot takes full-page PNG screenshots of a running Rango
// with headless Chromium, for design reviews and the docs.
//
//	go run ./tools/screenshot -url http://127.0.0.1:8000 -out docs/screenshots \
//	    -width 1280 -height 900 [-login user:password] [-mobile] [-viewport] / /about /category/python
//
// Each path becomes one file in -out, named after the path: "/" is
// home.png, "/category/python" is category-python.png. With -login the
// program first logs in through the /login form, so that pages for
// logged-in users and staff can be shot. Every run starts with a fresh
// browser profile, so the pages show what a new visitor sees (the cookie
// banner included).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"rango/internal/headless"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "screenshot:", err)
		}
		os.Exit(2)
	}
}

// options are the command line's settings.
type options struct {
	base          string
	out           string
	width, height int
	login         string
	mobile        bool
	viewport      bool
	chromium      string
	timeout       time.Duration
	paths         []string
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("screenshot", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: screenshot [flags] /path ...")
		fs.PrintDefaults()
	}
	fs.StringVar(&o.base, "url", "http://127.0.0.1:8000", "address of the running site")
	fs.StringVar(&o.out, "out", "docs/screenshots", "directory the PNG files go to")
	fs.IntVar(&o.width, "width", 1280, "viewport width in CSS pixels")
	fs.IntVar(&o.height, "height", 900, "viewport height in CSS pixels (the shot is as tall as the page)")
	fs.StringVar(&o.login, "login", "", "log in first through /login, as user:password")
	fs.BoolVar(&o.mobile, "mobile", false, "emulate a phone (mobile viewport and touch)")
	fs.BoolVar(&o.viewport, "viewport", false, "shoot the first screen only (-width x -height), not the whole page")
	fs.StringVar(&o.chromium, "chromium", "/usr/bin/chromium", "the Chromium binary")
	fs.DurationVar(&o.timeout, "timeout", 20*time.Second, "time allowed for each page")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	o.base = strings.TrimSuffix(o.base, "/")
	o.paths = fs.Args()
	switch {
	case len(o.paths) == 0:
		return o, errors.New("name at least one path, e.g. / /about")
	case o.width < 1 || o.height < 1:
		return o, errors.New("-width and -height must be positive")
	case o.login != "" && !strings.Contains(o.login, ":"):
		return o, errors.New("-login takes user:password")
	}
	for _, p := range o.paths {
		if !strings.HasPrefix(p, "/") {
			return o, fmt.Errorf("path %q does not start with /", p)
		}
	}
	return o, nil
}

func run(args []string) error {
	o, err := parseFlags(args)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	profile, err := os.MkdirTemp("", "rango-screenshot-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(profile)

	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), headless.Options(o.chromium, profile)...)
	// The browser must be gone before its profile is removed; the
	// allocator's cancel waits for the process.
	defer cancelAlloc()
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	defer cancelTab()

	if err := chromedp.Do(ctx, viewport(o, o.height)); err != nil {
		return fmt.Errorf("start Chromium: %w", err)
	}

	if o.login != "" {
		user, password, _ := strings.Cut(o.login, ":")
		if err := logIn(ctx, o, user, password); err != nil {
			return err
		}
	}
	for _, p := range o.paths {
		file := filepath.Join(o.out, fileName(p))
		if err := shoot(ctx, o, p, file); err != nil {
			return err
		}
		fmt.Println(file)
	}
	return nil
}

// logIn fills in the login form and waits for the navigation to show the
// logged-in user.
func logIn(parent context.Context, o options, user, password string) error {
	ctx, cancel := context.WithTimeout(parent, o.timeout)
	defer cancel()
	err := chromedp.Do(ctx,
		chromedp.Navigate(o.base+"/login"),
		chromedp.SendKeys(chromedp.ID("username"), user),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.CSS(`main form[action="/login"] button[type="submit"]`), chromedp.NodeVisible),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="whoami"]`)),
	)
	if err != nil {
		// Say why, when the login page shows its problem.
		problem, _ := chromedp.Run(parent, chromedp.Evaluate[string](
			`(document.querySelector('[data-testid="problem"], .invalid-feedback')?.innerText ?? "")`))
		if problem != "" {
			return fmt.Errorf("log in as %s: %s", user, problem)
		}
		return fmt.Errorf("log in as %s: %w", user, err)
	}
	return nil
}

// shoot loads the path and writes a PNG of the whole page to file.
func shoot(parent context.Context, o options, path, file string) error {
	ctx, cancel := context.WithTimeout(parent, o.timeout)
	defer cancel()
	if err := chromedp.Do(ctx,
		chromedp.Navigate(o.base+path),
		// Web fonts and images settle after the load event in some pages.
		chromedp.Evaluate[chromedp.Void](`document.fonts.ready`, chromedp.EvalAwaitPromise),
	); err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	shot := fullPage(o)
	if o.viewport {
		shot = chromedp.CaptureScreenshot()
	}
	png, err := chromedp.Run(ctx, shot)
	if err != nil {
		return fmt.Errorf("screenshot of %s: %w", path, err)
	}
	return os.WriteFile(file, png, 0o644)
}

// viewport sets the window to the width of the options and height.
func viewport(o options, height int) chromedp.Action[chromedp.Void] {
	var opts []chromedp.EmulateViewportOption
	if o.mobile {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait)
	}
	return chromedp.EmulateViewport(int64(o.width), int64(height), opts...)
}

// fullPage captures the whole scrollable page as PNG, as tall as its
// content (Puppeteer's fullPage). For the shot the window is as tall as
// the page, so that what sticks to the bottom of the window (the cookie
// banner) shows where it ends up, below the footer, not across the middle.
func fullPage(o options) chromedp.Action[[]byte] {
	return func(ctx context.Context, t *chromedp.Target) ([]byte, error) {
		m, err := cdp.Call(ctx, t, page.GetLayoutMetrics, cdp.Empty{})
		if err != nil {
			return nil, err
		}
		if m.CSSContentSize == nil || m.CSSLayoutViewport == nil {
			return nil, errors.New("the browser reported no page size")
		}
		w := math.Max(m.CSSContentSize.Width, float64(m.CSSLayoutViewport.ClientWidth))
		h := math.Max(m.CSSContentSize.Height, float64(m.CSSLayoutViewport.ClientHeight))
		if _, err := viewport(o, int(math.Ceil(h)))(ctx, t); err != nil {
			return nil, err
		}
		defer func() { _, _ = viewport(o, o.height)(ctx, t) }()
		r, err := cdp.Call(ctx, t, page.CaptureScreenshot, page.CaptureScreenshotParams{
			Format:                page.CaptureScreenshotFormatPng,
			Clip:                  &page.Viewport{Width: math.Ceil(w), Height: math.Ceil(h), Scale: 1},
			CaptureBeyondViewport: new(true),
			FromSurface:           new(true),
		})
		if err != nil {
			return nil, err
		}
		return r.Data, nil
	}
}

var unsafeRun = regexp.MustCompile(`[^A-Za-z0-9_.]+`)

// fileName names the screenshot of a path: "/" is home.png, and the other
// paths join their parts with "-" ("/category/python" is
// category-python.png; "/search?q=py" is search-q-py.png).
func fileName(path string) string {
	name := strings.Trim(unsafeRun.ReplaceAllString(path, "-"), "-.")
	if name == "" {
		name = "home"
	}
	return name + ".png"
}
