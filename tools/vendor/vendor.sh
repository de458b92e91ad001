#!/usr/bin/env bash
# vendor.sh installs the pinned front-end packages (package-lock.json) with
# `npm ci` and copies the files Rango serves into public/vendor/. The copied
# files are committed, so building the Go binary never needs npm.
#
# Bootstrap's CSS goes through PurgeCSS first, which keeps only the rules
# whose classes, ids and elements appear in the templates, the scripts or
# the Go code that writes HTML: run this again after using a Bootstrap class
# that no template used before (views.TestEveryClassIsStyled fails until
# then).
#
# Usage: tools/vendor/vendor.sh   (from any directory)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
dest="$root/public/vendor"

cd "$here"
npm ci --no-audit --no-fund

mkdir -p "$dest"
nm="$here/node_modules"
# bootstrap.min.css keeps its /*! ... */ license header. The content globs
# cover every template (the admin's included) and script; htmx adds only
# its own htmx-* classes, which rango.css styles.
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$root" && "$nm/.bin/purgecss" \
	--css "$nm/bootstrap/dist/css/bootstrap.min.css" \
	--content 'views/**/*.html' 'public/js/**/*.js' 'app/**/*.go' 'admin/**/*.go' 'web/**/*.go' \
	--output "$tmp/")
cp "$tmp/bootstrap.min.css" "$dest/bootstrap.min.css"
cp "$nm/bootstrap/LICENSE" "$dest/LICENSE.bootstrap"
cp "$nm/htmx.org/dist/htmx.min.js" "$dest/htmx.min.js"
cp "$nm/htmx.org/LICENSE" "$dest/LICENSE.htmx"
# axe-core is for the browser tests only: internal/axe embeds it and injects
# it into pages through the DevTools protocol; the site never serves it.
cp "$nm/axe-core/axe.min.js" "$root/internal/axe/axe.min.js"
cp "$nm/axe-core/LICENSE" "$root/internal/axe/LICENSE.axe-core"

echo "vendored into ${dest#"$root"/}:"
ls -l "$dest"
