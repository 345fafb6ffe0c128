#!/usr/bin/env bash
# promptfoo (a client we did not write) against `evaltests serve`: greedy chat, seeded sampling, completion logprobs.
# Not part of .ci/run: promptfoo is a 2 GB install with a native module. Usage: tools/promptfoo/check.sh [port]
# Needs Node.js >= 20 and the shared models (../shared/models/stories260K); prints promptfoo's summary, exits non-zero
# on any failure or error.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
port="${1:-8123}"
work="$(mktemp -d)"
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

# promptfoo 0.118.0 is the newest that runs on Node 20; its browser download and install scripts are skipped, and the
# one native module it needs (better-sqlite3) is built against the local Node headers.
(cd "$work" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund --ignore-scripts promptfoo@0.118.0 >/dev/null \
  && npm rebuild better-sqlite3 --nodedir="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")" >/dev/null)

dotnet build -c Release "$repo/src/EvalTests.Cli" >/dev/null
dotnet "$repo/src/EvalTests.Cli/bin/Release/net10.0/evaltests.dll" serve --model stories260K --port "$port" > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$port/v1/models" >/dev/null && break; sleep 1; done

sed "s/{{PORT}}/$port/" "$here/promptfooconfig.template.yaml" > "$work/promptfooconfig.yaml"
(cd "$work" && npx --no-install promptfoo eval --no-cache -c promptfooconfig.yaml) | tee "$work/eval.log" | grep -E "Successes|Failures|Errors|Pass Rate"
grep -q "Pass Rate: 100.00%" "$work/eval.log"
