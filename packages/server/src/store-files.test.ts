// The SQLite ledger holds every customer's usage and the API keys' hashes: only the server's own
// user may read it. A new folder is created 0700 and the database with its WAL files 0600.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createProject, openStore } from './index.js';

const mode = (path: string) => statSync(path).mode & 0o777;

describe('the SQLite files', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('are created readable by their owner only, whatever the umask', async () => {
    const root = mkdtempSync(join(tmpdir(), 'agentmeter-files-'));
    dirs.push(root);
    const previous = process.umask(0o022);
    try {
      const path = join(root, 'data', '.agentmeter', 'agentmeter.db');
      const store = await openStore({ dbPath: path });
      await createProject(store, { adminKey: 'a-long-enough-admin-key-for-tests-0123456789' });
      expect(mode(join(root, 'data', '.agentmeter'))).toBe(0o700);
      expect(mode(join(root, 'data'))).toBe(0o700);
      expect(mode(path)).toBe(0o600);
      expect(mode(`${path}-wal`)).toBe(0o600);
      expect(mode(`${path}-shm`)).toBe(0o600);
      await store.close();
    } finally {
      process.umask(previous);
    }
  });
});
