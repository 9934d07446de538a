// The Node seam for the durable outbox: node:fs, with a lock file naming the owning process.
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { type FileHandle, open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { OutboxFiles } from './outbox-files.js';

const LOCK = 'outbox.lock';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function takeLock(dir: string): void {
  const path = join(dir, LOCK);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number.parseInt(readFileSync(path, 'utf8'), 10);
      if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) {
        throw new Error(
          `The outbox ${dir} is in use by process ${owner}; give each Meter its own directory.`,
        );
      }
      unlinkSync(path); // left by a process that is gone
    }
  }
  throw new Error(`Could not lock the outbox ${dir}.`);
}

export function createOutboxFiles(dir: string): OutboxFiles {
  const handles = new Map<string, FileHandle>();
  let locked = false;
  return {
    open() {
      mkdirSync(dir, { recursive: true });
      takeLock(dir);
      locked = true;
    },
    list: () => readdirSync(dir),
    read: (name) => readFileSync(join(dir, name), 'utf8'),
    async append(name, data, sync) {
      let handle = handles.get(name);
      if (!handle) {
        handle = await open(join(dir, name), 'a');
        handles.set(name, handle);
      }
      await handle.write(data);
      if (sync) await handle.datasync();
    },
    async remove(name) {
      const handle = handles.get(name);
      handles.delete(name);
      await handle?.close();
      await unlink(join(dir, name)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
    },
    async close() {
      const open = [...handles.values()];
      handles.clear();
      await Promise.all(open.map((handle) => handle.close()));
      if (locked) {
        locked = false;
        try {
          unlinkSync(join(dir, LOCK));
        } catch {
          // already gone
        }
      }
    },
  };
}
