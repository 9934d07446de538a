#!/usr/bin/env bash
# Test lanes: peers whose newest major needs a newer Node than the machine's (ai 7 and @ai-sdk/otel
# declare Node >= 22). Each lane has its own install (its package.json pins the peer versions it tests)
# and runs its tests on that Node line, fetched from the npm registry's `node` package; the server the
# tests start runs on the machine's Node, where it is supported. Needs `npm run build` first.
set -euo pipefail
cd "$(dirname "$0")/../.."
server_node=$(command -v node)

echo "== lane ai7: install"
npm ci --prefix test/lanes/ai7 --no-audit --no-fund --loglevel=error
echo "== lane ai7: typecheck"
npx tsc -p test/lanes/ai7/tsconfig.json
echo "== lane ai7: tests on Node 22 ($(npx -y node@22 --version))"
AGENTMETER_SERVER_NODE="$server_node" npx -y node@22 node_modules/vitest/vitest.mjs run --config test/lanes/ai7/vitest.config.ts
