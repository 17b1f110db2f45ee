#!/usr/bin/env bash
# Install the console's front-end assets from the npm registry and copy the built files
# into the Python package, so the server never loads anything from a CDN.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -f package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
else
    npm install --no-audit --no-fund --loglevel=error
fi
dest=src/weixi/web/static/vendor
mkdir -p "$dest"
cp node_modules/echarts/dist/echarts.min.js "$dest/echarts.min.js"
cp node_modules/htmx.org/dist/htmx.min.js "$dest/htmx.min.js"
cp node_modules/echarts/LICENSE "$dest/echarts.LICENSE"
cp node_modules/htmx.org/LICENSE "$dest/htmx.LICENSE"
echo "console assets copied to $dest"
