#!/usr/bin/env bash
# The README's quick start, as a new user meets it: HEAD cloned into an empty temporary folder with
# nothing beside it (no ../shared, so no spec: those tests skip visibly, as they do for a user), then
# `npm ci && npm test && npm start`. Fails on anything but exit 0. Run by .ci/run after `npm test`
# (not inside it: `npm test` must not call itself).
set -euo pipefail
repo=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
work=$(mktemp -d "${TMPDIR:-/tmp}/aapi-fresh-clone-XXXXXX")
trap 'rm -rf "$work"' EXIT
git clone --quiet --no-hardlinks "$repo" "$work/aapi"
cd "$work/aapi"
echo "fresh clone of $(git rev-parse --short HEAD) in $work/aapi"
# A user's shell: not CI (which makes a missing spec a failure), no spec, no aapi settings.
for v in CI AAPI_SPEC AAPI_HOME AAPI_SERVER AAPI_PROFILE AAPI_PASSWORD AAPI_AGENT AAPI_EXTENSION AAPI_TIMEOUT; do unset "$v"; done
npm ci --no-audit --no-fund
npm test
npm start
echo "fresh clone: npm ci, npm test and npm start all passed"
