#!/usr/bin/env bash
# Runtimes lane: @agentmeter/sdk, @agentmeter/client and @agentmeter/pricing on Bun, Deno and workerd
# (Cloudflare Workers' runtime), against one real agentmeter server on the machine's Node. Each runtime
# runs smoke.mjs: a Meter sends events, the ledger read back through the client must hold exactly what
# the pricing engine computes for the same tier (see README.md). Needs `npm run build` first.
set -euo pipefail
lane="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$lane/../../.." && pwd)"
cd "$repo"
started=$SECONDS

for built in packages/cli/dist/bin.js packages/server/dist/index.js packages/sdk/dist/index.js \
  packages/client/dist/index.js packages/pricing/dist/index.js; do
  if [[ ! -f $built ]]; then
    echo "runtimes lane: $built is missing; run \`npm run build\` first." >&2
    exit 1
  fi
done

echo "== lane runtimes: install"
npm ci --prefix "$lane" --no-audit --no-fund --loglevel=error
bin="$lane/node_modules/.bin"
tools="$lane/tools.mjs"

tmp="$(mktemp -d)"
server_pid=""
workerd_pid=""
cleanup() {
  for pid in $workerd_pid $server_pid; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT

blocked() {
  echo "!! lane runtimes: $1 CANNOT RUN HERE: $2" >&2
  exit 1
}

echo "== lane runtimes: versions"
echo "server: node $(node --version)"
bun_version="$("$bin/bun" --version)" || blocked bun "\`bun --version\` failed"
deno_version="$("$bin/deno" --version | head -n 1)" || blocked deno "\`deno --version\` failed"
workerd_version="$("$bin/workerd" --version)" || blocked workerd "\`workerd --version\` failed"
echo "bun $bun_version"
echo "$deno_version"
echo "$workerd_version (esbuild $("$bin/esbuild" --version) bundles the worker)"

echo "== lane runtimes: agentmeter server"
admin_key="am_lane_$(node -p 'crypto.randomUUID()')"
AGENTMETER_ADMIN_KEY="$admin_key" \
  node packages/cli/dist/bin.js serve --host 127.0.0.1 --port 0 --db "$tmp/agentmeter.db" --rate-limit 0 \
  >"$tmp/server.log" 2>&1 &
server_pid=$!
url="$(node "$tools" wait-log "$tmp/server.log")" || {
  cat "$tmp/server.log" >&2
  exit 1
}
echo "listening on $url"
server_host="${url#http://}"

failed=0
# verdict LABEL REPORT: prints the smoke report in a line (its failures in full) and records a failure.
verdict() {
  if ! node "$tools" verdict "$1" <<<"$2"; then failed=1; fi
}

echo "== lane runtimes: bun"
report="$(LANE_URL="$url" LANE_ADMIN_KEY="$admin_key" LANE_RUNTIME=bun \
  "$bin/bun" --no-install "$lane/smoke-cli.mjs" 2>&1)" || true
verdict "bun $bun_version" "$report"

# Deno gets the network to the server and the lane's own variables only: the SDK must start without
# reading AGENTMETER_* (Deno refuses variables --allow-env does not name).
echo "== lane runtimes: deno"
report="$(LANE_URL="$url" LANE_ADMIN_KEY="$admin_key" LANE_RUNTIME=deno \
  "$bin/deno" run --no-prompt --no-lock --node-modules-dir=manual --allow-net="$server_host" \
  --allow-env=LANE_URL,LANE_ADMIN_KEY,LANE_RUNTIME "$lane/smoke-cli.mjs" 2>&1)" || true
verdict "${deno_version%% (*}" "$report"

# workerd: one bundle, as wrangler builds it (the workerd/worker/browser conditions, so the SDK's
# `#als` and `#outbox-files` seams take their non-Node side), served by three workers with different
# Node compatibility (workerd.capnp).
echo "== lane runtimes: workerd"
"$bin/esbuild" "$lane/worker.mjs" --bundle --format=esm --platform=neutral --main-fields=module,main \
  --conditions=workerd,worker,browser --external:'node:*' --log-level=warning --outfile="$tmp/worker.js"
cp "$lane/workerd.capnp" "$tmp/workerd.capnp"
mapfile -t ports < <(node "$tools" ports 3)
"$bin/workerd" serve "$tmp/workerd.capnp" \
  --socket-addr "current=127.0.0.1:${ports[0]}" \
  --socket-addr "compat=127.0.0.1:${ports[1]}" \
  --socket-addr "plain=127.0.0.1:${ports[2]}" >"$tmp/workerd.log" 2>&1 &
workerd_pid=$!
for port in "${ports[@]}"; do
  node "$tools" wait-http "http://127.0.0.1:$port/" || {
    cat "$tmp/workerd.log" >&2
    blocked workerd "it did not answer on 127.0.0.1:$port"
  }
done
body="{\"url\":\"$url\",\"adminKey\":\"$admin_key\"}"
labels=("current date (nodejs_compat by default)" "2025-06-01 + nodejs_compat" "2024-01-01, no Node compatibility")
for i in 0 1 2; do
  report="$(node "$tools" post "http://127.0.0.1:${ports[$i]}/smoke" "$body" 2>&1)" || true
  verdict "$workerd_version, ${labels[$i]}" "$report"
done

# A Meter kept in module scope and reused by the next request, as a warm worker instance does.
warm="{\"url\":\"$url\",\"adminKey\":\"$admin_key\",\"customer\":\"warm-$RANDOM\"}"
first="$(node "$tools" post "http://127.0.0.1:${ports[0]}/warm" "$warm" 2>&1)" || true
second="$(node "$tools" post "http://127.0.0.1:${ports[0]}/warm" "$warm" 2>&1)" || true
if [[ $first == '{"calls":1,"errors":[]}' && $second == '{"calls":2,"errors":[]}' ]]; then
  echo "ok   $workerd_version: a Meter in module scope meters the next request too"
else
  echo "FAIL $workerd_version: a Meter in module scope across two requests answered $first, then $second"
  failed=1
fi

if grep -qiE 'uncaught|error' "$tmp/workerd.log"; then
  echo "FAIL workerd logged errors:"
  cat "$tmp/workerd.log"
  failed=1
fi

echo "== lane runtimes: $([[ $failed == 0 ]] && echo passed || echo FAILED) in $((SECONDS - started)) s"
exit "$failed"
