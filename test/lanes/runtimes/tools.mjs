// Small helpers for run.sh, on the machine's Node:
//   node tools.mjs ports N          N free loopback ports, one a line
//   node tools.mjs wait-log FILE    waits for the server's "listening on URL" line, prints URL
//   node tools.mjs wait-http URL    waits until URL answers at all
//   node tools.mjs post URL JSON    POSTs JSON, prints the answer's body
//   node tools.mjs verdict LABEL    reads a smoke report (JSON) on stdin, prints it in a line or two,
//                                   exits 1 unless it is ok
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const [command, ...args] = process.argv.slice(2);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const deadline = Date.now() + 30_000;

switch (command) {
  case 'ports': {
    const servers = [];
    // Held open together, so the N ports differ.
    for (let i = 0; i < Number(args[0]); i++) {
      const server = createServer();
      await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
      servers.push(server);
    }
    for (const server of servers) console.log(server.address().port);
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    break;
  }
  case 'wait-log': {
    for (;;) {
      let text = '';
      try {
        text = readFileSync(args[0], 'utf8');
      } catch {}
      const match = /agentmeter listening on (http:\/\/\S+)/.exec(text);
      if (match) {
        console.log(match[1]);
        break;
      }
      if (Date.now() > deadline) throw new Error(`the server did not start in 30 s:\n${text}`);
      await sleep(100);
    }
    break;
  }
  case 'wait-http': {
    for (;;) {
      try {
        await fetch(args[0]);
        break;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`${args[0]} did not answer in 30 s: ${error}`);
        await sleep(100);
      }
    }
    break;
  }
  case 'post': {
    const response = await fetch(args[0], {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: args[1],
      signal: AbortSignal.timeout(120_000),
    });
    console.log(await response.text());
    break;
  }
  case 'verdict': {
    const text = readFileSync(0, 'utf8').trim();
    let report;
    try {
      report = JSON.parse(text.split('\n').at(-1));
    } catch {
      report = { ok: false, failures: [`not a report: ${text}`] };
    }
    if (report.ok) {
      console.log(`ok   ${args[0]}: ${report.checks} checks passed (ledger total ${report.total} USD)`);
    } else {
      console.log(`FAIL ${args[0]}:\n  ${(report.failures ?? []).join('\n  ')}`);
      process.exitCode = 1;
    }
    break;
  }
  default:
    throw new Error(`unknown command ${command}`);
}
