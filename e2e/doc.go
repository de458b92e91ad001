// Package e2e drives Rango in headless Chromium, as a visitor would.
//
// Its tests start the real site on a loopback port against a throwaway
// MariaDB database (see rango/internal/testsite) and skip when
// /usr/bin/chromium is not installed.
package e2e
