package web

import (
	"strings"

	"github.com/mileusna/useragent"
)

// Device describes a browser from its User-Agent: "Firefox 128 on Windows
// 10", or "Unknown device" when it says nothing recognisable.
func Device(ua string) string {
	if strings.TrimSpace(ua) == "" {
		return "Unknown device"
	}
	p := useragent.Parse(ua)
	browser := p.Name
	if browser == "" {
		browser = "Unknown browser"
	} else if major, _, _ := strings.Cut(p.Version, "."); major != "" {
		browser += " " + major
	}
	if p.OS == "" {
		return browser
	}
	os := p.OS
	if v, _, _ := strings.Cut(p.OSVersion, "."); v != "" && p.OS != "macOS" {
		os += " " + v
	}
	return browser + " on " + os
}
