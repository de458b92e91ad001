// Package headless holds the Chromium options Rango's browser tests and
// screenshot tool share: headless, and quiet on a closed network.
package headless

import "github.com/chromedp/chromedp"

// Chromium is where Debian installs Chromium.
const Chromium = "/usr/bin/chromium"

// Options are the allocator options for a headless Chromium at path with
// the given profile directory. The background-networking flags matter: on
// a closed network Chromium's own connections are refused, many at a time.
func Options(path, profile string) []chromedp.ExecAllocatorOption {
	return append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(profile),
	)
}
