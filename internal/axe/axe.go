// Package axe runs axe-core, the accessibility checker, in a page that a
// chromedp test has open, with the WCAG 2.0 and 2.1 level A and AA rules.
// axe-core is pinned in tools/vendor/package.json and copied here by
// tools/vendor/vendor.sh; it is injected through the DevTools protocol, so
// the site's Content-Security-Policy needs no exception for it.
package axe

import (
	"context"
	_ "embed" // axe.min.js
	"encoding/json"
	"fmt"
	"strings"

	"github.com/chromedp/chromedp"
)

//go:embed axe.min.js
var source string

// Tags are the rule sets checked: WCAG 2.1 A and AA (with 2.0's).
var Tags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}

// Violation is one failed rule with the elements that fail it.
type Violation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []Node `json:"nodes"`
}

// Node is one element that fails a rule.
type Node struct {
	Target         []any  `json:"target"`
	HTML           string `json:"html"`
	FailureSummary string `json:"failureSummary"`
}

// Run checks the page open in ctx and returns the violations, none when
// the page passes. It injects axe-core first if the page lacks it.
func Run(ctx context.Context) ([]Violation, error) {
	has, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof window.axe === "object"`))
	if err != nil {
		return nil, fmt.Errorf("axe: probe page: %w", err)
	}
	if !has {
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](source+";\ntrue")); err != nil {
			return nil, fmt.Errorf("axe: inject axe-core: %w", err)
		}
	}
	tags, _ := json.Marshal(Tags)
	script := `axe.run(document, {runOnly: {type: "tag", values: ` + string(tags) + `}, resultTypes: ["violations"]})` +
		`.then(r => JSON.stringify(r.violations))`
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](script, chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, fmt.Errorf("axe: run: %w", err)
	}
	var out []Violation
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		return nil, fmt.Errorf("axe: decode results: %w", err)
	}
	return out, nil
}

// Report describes violations for a test failure: each rule, its impact,
// and up to five failing elements with axe's summary of why.
func Report(vs []Violation) string {
	var b strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&b, "%s (%s): %s, %d element(s)\n", v.ID, v.Impact, v.Help, len(v.Nodes))
		for i, n := range v.Nodes {
			if i == 5 {
				fmt.Fprintf(&b, "  … and %d more\n", len(v.Nodes)-5)
				break
			}
			summary := strings.ReplaceAll(n.FailureSummary, "\n", " ")
			fmt.Fprintf(&b, "  %v %s\n    %s\n", n.Target, truncate(n.HTML, 160), truncate(summary, 300))
		}
	}
	return b.String()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
