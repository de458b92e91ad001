#!/usr/bin/env bash
# vendor.sh installs the pinned front-end packages (package-lock.json) with
# `npm ci` and copies the files Rango serves into public/vendor/. The copied
# files are committed, so building the Go binary never needs npm.
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
# bootstrap.min.css keeps its /*! ... */ license header.
cp "$nm/bootstrap/dist/css/bootstrap.min.css" "$dest/bootstrap.min.css"
cp "$nm/bootstrap/LICENSE" "$dest/LICENSE.bootstrap"
cp "$nm/htmx.org/dist/htmx.min.js" "$dest/htmx.min.js"
cp "$nm/htmx.org/LICENSE" "$dest/LICENSE.htmx"
# axe-core is for the browser tests only: internal/axe embeds it and injects
# it into pages through the DevTools protocol; the site never serves it.
cp "$nm/axe-core/axe.min.js" "$root/internal/axe/axe.min.js"
cp "$nm/axe-core/LICENSE" "$root/internal/axe/LICENSE.axe-core"

echo "vendored into ${dest#"$root"/}:"
ls -l "$dest"
