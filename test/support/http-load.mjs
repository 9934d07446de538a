// A load generator for the overload tests, run in a worker thread so its event loop is not the
// server's: `connections` clients (sharing undici's pool through fetch, as the SDK sends, or each on
// its own node:http keep-alive socket), push `requests` batches of
// `events` events with known ids to `/v1/meter/batch`, all starting at once. A 503 is retried with
// the same body after its Retry-After (as the SDK does); every other outcome is counted and, when
// it is an error, retried the same way, so the run ends with every batch delivered or given up.
import { Agent, request } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

/**
 * @typedef {{ url: string, key: string, connections: number, requests: number, events: number,
 *   prefix: string, deadlineMs: number, maxAttempts: number, client?: 'fetch' | 'agent' }} LoadOptions
 */

/** The event ids the client of `connection` sends in its batch `index`. */
export function batchIds(prefix, connection, index, events) {
  return Array.from({ length: events }, (_, event) => `${prefix}-${connection}-${index}-${event}`);
}

function batchBody(ids) {
  return JSON.stringify({
    events: ids.map((id) => ({ agent_id: 'load', action: 'push', event_id: id, tokens_input: 1 })),
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** One attempt with fetch (undici, as the SDK sends): the status and Retry-After, or the error's code. */
async function fetchAttempt(url, key, body) {
  try {
    const response = await fetch(`${url}/v1/meter/batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body,
    });
    const text = await response.text();
    let summary;
    if (response.status === 200) {
      try {
        summary = JSON.parse(text).summary;
      } catch {}
    }
    return { status: response.status, retryAfter: response.headers.get('retry-after'), summary };
  } catch (error) {
    return { error: error?.cause?.code ?? error?.code ?? String(error?.message ?? error) };
  }
}

/** One attempt on a node:http agent: the status and Retry-After, or the socket error's code. */
function attempt(agent, url, key, body) {
  return new Promise((resolve) => {
    const outgoing = request(
      `${url}/v1/meter/batch`,
      {
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (response) => {
        const parts = [];
        response.on('data', (part) => parts.push(part));
        response.on('end', () => {
          let summary;
          if (response.statusCode === 200) {
            try {
              summary = JSON.parse(Buffer.concat(parts).toString('utf8')).summary;
            } catch {}
          }
          resolve({ status: response.statusCode, retryAfter: response.headers['retry-after'], summary });
        });
        response.on('error', (error) => resolve({ error: error.code ?? error.message }));
      },
    );
    outgoing.on('error', (error) => resolve({ error: error.code ?? error.message }));
    outgoing.end(body);
  });
}

/** @param {LoadOptions} options */
export async function runLoad(options) {
  const { url, key, connections, requests, events, prefix, deadlineMs, maxAttempts } = options;
  const viaFetch = options.client !== 'agent';
  const deadline = Date.now() + deadlineMs;
  const statuses = {};
  const errors = {};
  let delivered = 0;
  let givenUp = 0;
  let summaryMismatches = 0;
  const started = Date.now();
  const client = async (connection) => {
    // With fetch every client shares undici's pool, as the Meters of one process do.
    const agent = viaFetch ? undefined : new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (let index = 0; index < requests; index++) {
        const body = batchBody(batchIds(prefix, connection, index, events));
        let done = false;
        for (let tries = 0; tries < maxAttempts && Date.now() < deadline; tries++) {
          const result = viaFetch ? await fetchAttempt(url, key, body) : await attempt(agent, url, key, body);
          if (result.error) {
            errors[result.error] = (errors[result.error] ?? 0) + 1;
            await sleep(100 + Math.random() * 400);
            continue;
          }
          statuses[result.status] = (statuses[result.status] ?? 0) + 1;
          if (result.status === 200) {
            const summary = result.summary;
            if (!summary || summary.accepted + summary.duplicate !== events || summary.rejected !== 0)
              summaryMismatches++;
            done = true;
            break;
          }
          const seconds = Number(result.retryAfter);
          // Retry-After as the SDK reads it, with a little jitter so the retries do not come back in step.
          await sleep((Number.isFinite(seconds) ? seconds * 1000 : 1000) * (0.5 + Math.random()));
        }
        if (done) delivered++;
        else givenUp++;
      }
    } finally {
      agent?.destroy();
    }
  };
  await Promise.all(Array.from({ length: connections }, (_, connection) => client(connection)));
  return { statuses, errors, delivered, givenUp, summaryMismatches, elapsedMs: Date.now() - started };
}

if (parentPort && workerData) {
  runLoad(workerData).then(
    (result) => parentPort.postMessage(result),
    (error) => parentPort.postMessage({ failed: String(error?.stack ?? error) }),
  );
}
