// Defines the matrix's tests for some of its rows, on every store kind: one test per cell, asserting the
// exact charges the server holds for the cell's calls. With SEAMS_REPORT set to a folder, each file also
// writes what every cell expected and observed there (`node test/seams/report.mjs <folder>` tabulates it).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORE_KINDS } from '../support/stores.js';
import { CALLS_PER_CELL, cellsOf, LEFT_OUT, ROWS, type RowName } from './cells.js';
import { type SeamsServer, startSeamsServer } from './metering.js';
import { type ProviderMock, startProviderMock } from './provider-mock.js';
import { assertUnpatched, type CellResult, runCell } from './run-cell.js';

export function defineMatrix(name: string, rows: RowName[]): void {
  const cells = cellsOf(ROWS.filter((row) => rows.includes(row.name)));

  describe.each(STORE_KINDS)(`seams (${name}) on %s`, (kind) => {
    let server: SeamsServer | undefined;
    let mock: ProviderMock | undefined;
    const results: CellResult[] = [];
    let started = 0;

    beforeAll(async () => {
      // The context manager stays for the whole file; each cell registers (and removes) its own tracer provider.
      context.disable();
      context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
      server = await startSeamsServer(kind);
      mock = await startProviderMock();
      started = performance.now();
    });

    afterAll(async () => {
      const durationMs = Math.round(performance.now() - started);
      await mock?.close();
      await server?.close();
      trace.disable();
      context.disable();
      const folder = process.env['SEAMS_REPORT'];
      if (folder) {
        mkdirSync(folder, { recursive: true });
        writeFileSync(
          join(folder, `${name}-${kind}.json`),
          JSON.stringify(
            { name, store: kind, durationMs, cells: cells.length, leftOut: LEFT_OUT, results },
            null,
            1,
          ),
        );
      }
    });

    it.each(cells.map((cell) => [cell.id, cell] as const))('%s', async (_id, cell) => {
      if (!server || !mock) throw new Error('the seams servers did not start');
      const result = await runCell(
        cell,
        { server, mock },
        // Span structure is kept for the report for two id styles (a unique id, and none).
        { spans: cell.ids === 'unique' || cell.ids === 'none' },
      );
      results.push(result);
      assertUnpatched();
      // One charge per call, each with that call's token counts (or marked usage_missing).
      expect(result.observed, `charges of ${cell.id}`).toEqual(cell.expected);
      expect(result.requests, 'calls the provider answered').toHaveLength(CALLS_PER_CELL);
    });
  });
}
