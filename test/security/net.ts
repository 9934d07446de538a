// Socket-level helpers for the process tests: what address a port is bound to (from /proc/net), and
// raw HTTP requests that a fetch client would refuse to send.
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';

function ipv4(hex: string): string {
  const bytes = hex.match(/../g)?.map((byte) => Number.parseInt(byte, 16)) ?? [];
  return bytes.reverse().join('.');
}

function ipv6(hex: string): string {
  const words: string[] = [];
  for (let group = 0; group < 4; group++) {
    const word = hex.slice(group * 8, group * 8 + 8);
    const little = word.match(/../g)?.reverse().join('') ?? '';
    words.push(little.slice(0, 4), little.slice(4, 8));
  }
  return words.map((word) => word.replace(/^0+(?=.)/, '')).join(':');
}

/** The local addresses listening on `port` (Linux /proc/net/tcp and tcp6), e.g. ['127.0.0.1']. */
export function listeningAddresses(port: number): string[] {
  const found: string[] = [];
  for (const [file, decode] of [
    ['/proc/net/tcp', ipv4],
    ['/proc/net/tcp6', ipv6],
  ] as const) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (!local || state !== '0A') continue;
      const [address, portHex] = local.split(':') as [string, string];
      if (Number.parseInt(portHex, 16) === port) found.push(decode(address));
    }
  }
  return found;
}

/** Sends `request` as raw bytes and resolves with the status line (or the error code of the socket). */
export function rawStatusLine(port: number, request: string | Buffer, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk;
      const end = received.indexOf('\r\n');
      if (end >= 0) {
        resolve(received.slice(0, end));
        socket.destroy();
      }
    });
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? String(error)));
    socket.on('close', () => resolve(received.split('\r\n')[0] || 'closed without a response'));
    socket.setTimeout(10_000, () => {
      resolve('timeout');
      socket.destroy();
    });
    socket.write(request);
  });
}
