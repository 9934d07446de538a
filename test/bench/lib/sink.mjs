// A loopback HTTP sink that answers 200 to everything, so the peers' clients (PostHog, Segment,
// OTLP) and the Meter have somewhere to deliver between measured blocks. For `/v1/meter/batch` it
// answers as the agentmeter server would (every event accepted), so the Meter's queue empties.
// With `hang: true` it reads each request and never answers: whatever a client sent stays in flight.
import { createServer } from 'node:http';

export async function startSink({ hang = false } = {}) {
  let requests = 0;
  const server = createServer((request, response) => {
    if (hang) {
      requests++;
      request.resume();
      return;
    }
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      requests++;
      let body = '{}';
      if (request.url?.startsWith('/v1/meter/batch')) {
        const { events = [] } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        body = JSON.stringify({
          results: events.map((event, index) => ({ index, event_id: event.event_id, status: 'accepted' })),
          resolution_results: [],
          summary: { accepted: events.length, duplicate: 0, rejected: 0 },
        });
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(body);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
