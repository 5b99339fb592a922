#!/usr/bin/env bash
# Builds the chat widget (widget/ -> bot/web/static/widget/widget.js) when needed.
# - `npm ci` (exactly the committed package-lock.json) only when the lock changed;
# - the esbuild build only when a source, the lock or the build script changed, or the
#   output is missing.
# Cheap to call from `make run` / `make test`: with nothing changed it only hashes files.
# Needs Node 20+ and npm; installs nothing outside widget/node_modules.
set -euo pipefail
cd "$(dirname "$0")/.."

WIDGET=widget
OUT=bot/web/static/widget/widget.js
STAMPS=$WIDGET/node_modules/.stamps

command -v node >/dev/null || { echo "error: Node.js 20+ is needed to build the chat widget" >&2; exit 1; }
command -v npm >/dev/null || { echo "error: npm is needed to build the chat widget" >&2; exit 1; }
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 20 ]; then
  echo "error: Node.js 20+ is needed to build the chat widget (found $(node --version))" >&2
  exit 1
fi

hash_of() { cat "$@" | sha256sum | cut -d' ' -f1; }

lock_hash=$(hash_of $WIDGET/package.json $WIDGET/package-lock.json)
if [ ! -d $WIDGET/node_modules ] || [ "$(cat $STAMPS/lock 2>/dev/null)" != "$lock_hash" ]; then
  echo "Installing the widget's npm packages (npm ci)..."
  # --ignore-scripts: no package gets to run code at install time; esbuild works without its
  # postinstall check because npm installs its platform binary as an optional dependency.
  (cd $WIDGET && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  mkdir -p $STAMPS
  echo "$lock_hash" > $STAMPS/lock
fi

source_hash=$(hash_of $WIDGET/package-lock.json $WIDGET/build.mjs $(find $WIDGET/src -type f | LC_ALL=C sort))
if [ ! -f $OUT ] || [ "$(cat $STAMPS/build 2>/dev/null)" != "$source_hash" ]; then
  (cd $WIDGET && node build.mjs)
  echo "$source_hash" > $STAMPS/build
fi
