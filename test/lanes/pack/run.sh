#!/usr/bin/env bash
# Pack-and-install lane: the packages as a user gets them. Every package is packed with `npm pack`
# and installed from its tarball (with its peers from the registry) into scratch apps made outside the
# repository, where no workspace link or hoisted node_modules can stand in for a missing `files` entry,
# a wrong `exports` map, missing types or an undeclared dependency. Then, from those installs:
#   - ES-module and CommonJS (require() of ESM, Node 20.19+) consumers of every entry point;
#   - a TypeScript consumer typechecked with moduleResolution node16 and bundler, and a CommonJS one
#     with nodenext;
#   - the installed CLI: `npx agentmeter --help`, and `npx agentmeter serve` as the real server of this
#     lane (SQLite in a temp file), given a priced tier and an ingest key through the CLI;
#   - one app per integration, with the real provider SDK clients and only their network faked
#     (fake-providers.mjs on 127.0.0.1), each followed by a check of the server's ledger through the API:
#     the exact token counts the fake reported, the provider, the model and the exact price;
#   - the acceptance check for openai 7: in a fresh app, `npm install openai @agentmeter/openai
#     @agentmeter/sdk` resolves openai 7 with no peer conflict, and a wrapped call on Node 22 is metered
#     exactly.
# Needs `npm run build` first. Uses the npm registry (through the npm cache) for the peers and Node 22.
# PACK_LANE_KEEP=1 keeps the scratch folder.
set -euo pipefail

lane="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$lane/../../.." && pwd)"
started=$SECONDS

# The main scratch app runs on this machine's Node 20, so it takes the newest peer lines that support it
# (openai 7 and ai 7 need Node 22: openai 7 is the acceptance step's). Pinned, so the lane is repeatable.
peers=(
  openai@6.49.0
  @anthropic-ai/sdk@1.14.0
  @langchain/core@1.4.0
  @langchain/openai@1.5.8
  ai@6.0.326
  @ai-sdk/openai@3.0.141
  @opentelemetry/api@1.9.1
  @opentelemetry/sdk-trace-base@2.12.1
  typescript@5.9.3
  @types/node@20.19.43
)
# The `default` tier the lane's server prices with (per 1,000 tokens); expect-ledger.mjs checks each price.
export PACK_BASE_FEE=0.001 PACK_RATE_INPUT=0.003 PACK_RATE_OUTPUT=0.006

npm_install=(npm install --no-audit --no-fund --prefer-offline --loglevel=error)
step() { echo; echo "== pack lane: $* (at ${SECONDS}s)"; }
fail() { echo "FAIL pack lane: $*" >&2; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/agentmeter-pack-lane.XXXXXX")"
case "$work/" in "$repo/"*) fail "the scratch folder $work is inside the repository" ;; esac
dir="$work"
while [ "$dir" != / ]; do
  dir="$(dirname "$dir")"
  if [ -e "$dir/node_modules" ]; then fail "$dir/node_modules would be visible to the scratch apps"; fi
done
unset NODE_PATH

group_pids=()
cleanup() {
  local status=$?
  # A process signalled while it is still starting may miss SIGTERM: what is left after 5 s is killed.
  for pid in "${group_pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  for pid in "${group_pids[@]}"; do
    for _ in $(seq 1 20); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.25; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
  if [ "$status" -eq 0 ] && [ -z "${PACK_LANE_KEEP:-}" ]; then rm -rf "$work"; else echo "scratch folder kept: $work"; fi
  exit "$status"
}
trap cleanup EXIT

# Starts a command in its own process group (stopped by its id on exit) and waits for the line
# matching the regex in its output; sets `started_pid` and `ready` (the regex's first group).
start_and_wait() {
  local log="$1" regex="$2"
  shift 2
  : >"$log"
  setsid "$@" >>"$log" 2>&1 &
  started_pid=$!
  local pid=$started_pid
  group_pids+=("$pid")
  for _ in $(seq 1 240); do
    if grep -qE "$regex" "$log"; then
      ready="$(sed -nE "s#.*$regex.*#\\1#p" "$log" | head -1)"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; fail "$* exited before it was ready"; }
    sleep 0.25
  done
  cat "$log" >&2
  fail "$* was not ready after 60 s"
}

step "npm pack every package (built at $(cd "$repo" && git rev-parse --short HEAD 2>/dev/null || echo '?'))"
mapfile -t workspaces < <(node -e '
  const root = require(process.argv[1] + "/package.json");
  for (const w of root.workspaces) if (w.startsWith("packages/")) console.log(w);' "$repo")
for workspace in "${workspaces[@]}"; do
  [ -f "$repo/$workspace/dist/index.js" ] || fail "$workspace is not built: run \`npm run build\` first"
done
packs="$work/packs"
mkdir -p "$packs"
(cd "$repo" && npm pack --json --ignore-scripts --pack-destination "$packs" \
  "${workspaces[@]/#/--workspace=}" >"$packs/pack.json")
tarball() { node -e '
  const [list, name] = process.argv.slice(1);
  const entry = require(list).find((pack) => pack.name === name);
  if (!entry) process.exit(1);
  console.log(require("node:path").join(require("node:path").dirname(list), entry.filename));' \
  "$packs/pack.json" "$1"; }
tarballs=("$packs"/*.tgz)
ls -1 "$packs"/*.tgz | sed 's#.*/#  #'

step "scratch app: install ${#tarballs[@]} tarballs + peers (${peers[*]})"
app="$work/app"
mkdir -p "$app"
cp "$lane"/app/* "$app"/
echo '{ "name": "agentmeter-pack-lane-app", "private": true, "type": "module" }' >"$app/package.json"
install_started=$SECONDS
(cd "$app" && "${npm_install[@]}" "${tarballs[@]}" "${peers[@]}")
echo "  installed in $((SECONDS - install_started))s (better-sqlite3 included)"
(cd "$app" && npm ls --depth=0 | sed 's#^#  #')
copies=$(cd "$app" && find node_modules -path '*/@agentmeter/sdk/package.json' | wc -l)
[ "$copies" -eq 1 ] || fail "$copies copies of @agentmeter/sdk installed (it is a peer of the wrappers: one per app)"
for installed in "$app"/node_modules/@agentmeter/* "$app/node_modules/agentmeter"; do
  if [ -L "$installed" ]; then fail "$installed is a link, not an installed tarball"; fi
done
echo "  one @agentmeter/sdk; every agentmeter package is an unpacked tarball, not a link"

step "ES-module consumer (Node $(node --version))"
(cd "$app" && node esm-consumer.mjs)

step "CommonJS consumer: require() of every entry point"
(cd "$app" && node cjs-consumer.cjs)

step "TypeScript consumers (typescript $(cd "$app" && npx --no-install tsc --version))"
for config in node16 bundler cjs; do
  (cd "$app" && npx --no-install tsc -p "tsconfig.$config.json") || fail "typecheck with tsconfig.$config.json"
  echo "  ok tsconfig.$config.json ($(node -p "const c = require('$app/tsconfig.$config.json').compilerOptions; c.module + ' / ' + c.moduleResolution"))"
done

step "installed CLI: npx agentmeter --help / --version"
(cd "$app" && npx --no-install agentmeter --help) | grep -q 'serve \[options\]' || fail '`agentmeter --help` lists no serve command'
version="$(cd "$app" && npx --no-install agentmeter --version)"
[ "$version" = "0.1.0" ] || fail "agentmeter --version printed $version"
echo "  ok: help lists serve; version $version"

step "installed CLI: npx agentmeter serve (SQLite in the scratch folder)"
AGENTMETER_ADMIN_KEY="$(node -e 'console.log(require("node:crypto").randomBytes(32).toString("hex"))')"
export AGENTMETER_ADMIN_KEY
cd "$app"
start_and_wait "$work/server.log" 'agentmeter listening on (http://[^ ]+)' \
  npx --no-install agentmeter serve --port 0 --db "$work/ledger.db"
server_url="$ready"
server_pid="$started_pid"
health="$(curl -fsS "$server_url/healthz")" || fail "GET /healthz"
echo "  listening on $server_url; /healthz: $health"
export AGENTMETER_URL="$server_url"
npx --no-install agentmeter tiers set default --base-fee "$PACK_BASE_FEE" --token-rate-input "$PACK_RATE_INPUT" \
  --token-rate-output "$PACK_RATE_OUTPUT" --token-unit 1K --api-key "$AGENTMETER_ADMIN_KEY" | sed 's#^#  #'
AGENTMETER_API_KEY="$(npx --no-install agentmeter keys create --name pack-lane --json --api-key "$AGENTMETER_ADMIN_KEY" |
  node -p 'JSON.parse(require("node:fs").readFileSync(0, "utf8")).key')"
export AGENTMETER_API_KEY
echo "  ingest key created with \`agentmeter keys create\`; the apps meter with it"

step "fake providers (OpenAI and Anthropic HTTP APIs on 127.0.0.1)"
start_and_wait "$work/fake.log" 'fake providers listening on (http://[^ ]+)' node fake-providers.mjs
FAKE_URL="$ready"
export FAKE_URL
echo "  $FAKE_URL"

step "integration: @agentmeter/pricing"
node pricing.mjs
step "integration: @agentmeter/client"
node client.mjs
node expect-ledger.mjs pack-client 40 2 anthropic claude-pack
step "integration: @agentmeter/sdk (durable outbox) and @agentmeter/sdk/testing"
node sdk.mjs
node expect-ledger.mjs pack-sdk 1200 300 openai gpt-pack
step "integration: @agentmeter/openai (plain and streamed)"
node openai.mjs
node expect-ledger.mjs pack-openai 123 45 openai gpt-pack
node expect-ledger.mjs pack-openai-stream 17 5 openai gpt-pack
step "integration: @agentmeter/anthropic"
node anthropic.mjs
node expect-ledger.mjs pack-anthropic 210 33 anthropic claude-pack
step "integration: @agentmeter/langchain (ChatOpenAI)"
node langchain.mjs
node expect-ledger.mjs pack-langchain 31 9 openai gpt-pack
step "integration: @agentmeter/ai-sdk (generateText)"
node ai-sdk.mjs
node expect-ledger.mjs pack-ai-sdk 64 16 openai gpt-pack
step "integration: @agentmeter/otel zero-code (node --import @agentmeter/otel/register)"
AGENTMETER_AGENT_ID=pack-otel-register node --import @agentmeter/otel/register otel-register.mjs
node expect-ledger.mjs pack-otel-register 55 8 openai gpt-pack 12 4 anthropic claude-pack
step "integration: @agentmeter/otel span processor"
node otel-spans.mjs
node expect-ledger.mjs pack-otel-spans 71 13 openai gpt-pack
step "integration: CommonJS app (require) with @agentmeter/openai"
node cjs-openai.cjs
node expect-ledger.mjs pack-cjs-openai 90 21 openai gpt-pack

step "acceptance: npm install openai @agentmeter/openai @agentmeter/sdk in a fresh app"
fresh="$work/openai7"
mkdir -p "$fresh"
cp "$lane/openai7/app.mjs" "$fresh/"
# @agentmeter/client and @agentmeter/pricing, dependencies of @agentmeter/sdk, are not on the registry
# yet: `overrides` points their names at this build's tarballs, where a published release would resolve
# them from the registry. The install command itself is the user's, with the two agentmeter packages as
# tarballs and openai with no version.
node -e '
  const [file, client, pricing] = process.argv.slice(1);
  require("node:fs").writeFileSync(file, JSON.stringify({
    name: "agentmeter-pack-lane-openai7", private: true, type: "module",
    overrides: { "@agentmeter/client": `file:${client}`, "@agentmeter/pricing": `file:${pricing}` },
  }, null, 2));' "$fresh/package.json" "$(tarball @agentmeter/client)" "$(tarball @agentmeter/pricing)"
cd "$fresh"
# npm picks the newest version whose `engines` the running Node satisfies, so on Node 20 this command
# resolves openai 6; openai 7's users are on Node 22, and so is this install (npm itself, under the
# registry's node@22). No --prefer-offline: the registry's current `latest` decides, as for a user.
echo "  on Node 22: npm install openai $(basename "$(tarball @agentmeter/openai)") $(basename "$(tarball @agentmeter/sdk)")"
if ! OPENAI_TGZ="$(tarball @agentmeter/openai)" SDK_TGZ="$(tarball @agentmeter/sdk)" npx -y -p node@22 -c \
  'npm install --no-audit --no-fund openai "$OPENAI_TGZ" "$SDK_TGZ"' >"$work/openai7-install.log" 2>&1; then
  cat "$work/openai7-install.log" >&2
  fail "npm install openai @agentmeter/openai @agentmeter/sdk exited non-zero"
fi
sed 's#^#  #' "$work/openai7-install.log"
if grep -E 'ERESOLVE|peer dep|conflicting peer' "$work/openai7-install.log"; then
  fail "npm reported a peer dependency problem"
fi
openai_version="$(node -p 'require("./node_modules/openai/package.json").version')"
[ "${openai_version%%.*}" = 7 ] || fail "npm resolved openai $openai_version, not 7"
npm ls openai @agentmeter/openai @agentmeter/sdk | sed 's#^#  #' || fail "npm ls reports a problem"
echo "  ok: npm exited 0 with no peer conflict, openai $openai_version"
step "acceptance: a wrapped openai 7 call on Node 22 is metered exactly"
npx -y node@22 app.mjs
cd "$app"
node expect-ledger.mjs pack-openai7 123 45 openai gpt-pack

step "installed CLI: usage over everything the lane metered"
calls="$(npx --no-install agentmeter usage --json --api-key "$AGENTMETER_ADMIN_KEY" |
  node -p 'JSON.parse(require("node:fs").readFileSync(0, "utf8")).totals.reduce((sum, t) => sum + t.calls, 0)')"
[ "$calls" -eq 12 ] || fail "agentmeter usage counts $calls calls, expected 12"
echo "  ok: 12 calls"
kill -TERM -- "-$server_pid"
for _ in $(seq 1 40); do kill -0 -- "-$server_pid" 2>/dev/null || break; sleep 0.25; done
if kill -0 -- "-$server_pid" 2>/dev/null; then fail "agentmeter serve did not stop on SIGTERM"; fi
echo "  agentmeter serve stopped on SIGTERM"

echo
echo "pack lane: all checks passed in $((SECONDS - started))s"
