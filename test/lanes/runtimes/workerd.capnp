# Three workers from one bundle (worker.js, built by run.sh with esbuild), each on its own socket;
# run.sh gives the sockets their addresses (--socket-addr). All may reach the agentmeter server on
# 127.0.0.1: workerd's default outbound network allows public addresses only.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "current", worker = .current),
    (name = "compat", worker = .compat),
    (name = "plain", worker = .plain),
    (name = "loopback", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [
    (name = "current", address = "127.0.0.1:0", http = (), service = "current"),
    (name = "compat", address = "127.0.0.1:0", http = (), service = "compat"),
    (name = "plain", address = "127.0.0.1:0", http = (), service = "plain"),
  ],
);

# A current compatibility date: nodejs_compat is on by default.
const current :Workerd.Worker = (
  modules = [(name = "worker", esModule = embed "worker.js")],
  compatibilityDate = "2026-11-01",
  globalOutbound = "loopback",
);

# What most deployed workers use today: an earlier date with nodejs_compat asked for.
const compat :Workerd.Worker = (
  modules = [(name = "worker", esModule = embed "worker.js")],
  compatibilityDate = "2025-06-01",
  compatibilityFlags = ["nodejs_compat"],
  globalOutbound = "loopback",
);

# No Node compatibility at all: no process, no node:async_hooks. The SDK must still load and meter;
# context then holds only through synchronous code.
const plain :Workerd.Worker = (
  modules = [(name = "worker", esModule = embed "worker.js")],
  compatibilityDate = "2024-01-01",
  bindings = [(name = "ASYNC_CONTEXT", text = "false")],
  globalOutbound = "loopback",
);
