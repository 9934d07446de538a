import { createOutboxFiles } from '#outbox-files';
import type { OutboxOptions } from './options.js';
import type { OutboxFiles } from './outbox-files.js';
import type { QueueItem } from './queue.js';

/**
 * The durable outbox: a write-ahead log in segment files `seg-<n>.wal`, one record per line.
 * `E<event json>` and `R<resolution json>` are queued items, exactly the bytes that will be sent;
 * `B{"k":key,"i":[...]}` records a batch's request key and members before it is first sent;
 * `D{"i":[...]}` marks items done (acknowledged, or reported failed). Items are written before they
 * can be sent (group commit, `fdatasync`); on start, the items not marked done are replayed with
 * their ids and batch keys. Segments are deleted oldest first once every item in them is done: a done
 * mark only ever refers to an item in its own or an older segment, so deleting a prefix can never
 * bring a finished item back. A torn last line (a crash mid-write) is ignored; each run writes to a
 * new segment, so nothing is ever appended after a torn line.
 */

export interface RecoveredItem {
  kind: 'event' | 'resolution';
  id: string;
  json: string;
  segment: number;
  batchKey: string | undefined;
  batchSize: number;
}

const SEGMENT = /^seg-(\d{8})\.wal$/;
const segmentName = (segment: number): string => `seg-${String(segment).padStart(8, '0')}.wal`;
const itemKey = (kind: 'event' | 'resolution', id: string): string => `${kind === 'event' ? 'e' : 'r'}:${id}`;

interface Chunk {
  segment: number;
  lines: string[];
}

export class Outbox {
  readonly #files: OutboxFiles;
  readonly #options: Required<OutboxOptions>;
  readonly #onError: (error: unknown, ids: string[]) => void;
  /** Unfinished items per segment. */
  readonly #pending = new Map<number, number>();
  #segment: number;
  #segmentBytes = 0;
  #chunks: Chunk[] = [];
  #bufferedSeq = 0;
  #bufferedIds: string[] = [];
  #persistedSeq = 0;
  #waiters: { seq: number; resolve: () => void }[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #writing: Promise<void> | undefined;
  #closed = false;
  readonly recovered: RecoveredItem[];

  constructor(options: Required<OutboxOptions>, onError: (error: unknown, ids: string[]) => void) {
    this.#options = options;
    this.#onError = onError;
    this.#files = createOutboxFiles(options.dir);
    this.#files.open();
    const { items, lastSegment } = this.#recover();
    this.recovered = items;
    this.#segment = lastSegment + 1;
  }

  #recover(): { items: RecoveredItem[]; lastSegment: number } {
    const segments = this.#files
      .list()
      .map((name) => SEGMENT.exec(name)?.[1])
      .filter((match): match is string => match !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    const items: RecoveredItem[] = [];
    const done = new Set<string>();
    const batches: { key: string; members: string[] }[] = [];
    for (const segment of segments) {
      for (const line of this.#files.read(segmentName(segment)).split('\n')) {
        if (line.length < 2) continue;
        const tag = line[0];
        const body = line.slice(1);
        let parsed: Record<string, unknown>;
        try {
          parsed = JSON.parse(body) as Record<string, unknown>;
        } catch {
          continue; // a torn line left by a crash mid-write
        }
        if (tag === 'E' && typeof parsed['event_id'] === 'string') {
          items.push({
            kind: 'event',
            id: parsed['event_id'],
            json: body,
            segment,
            batchKey: undefined,
            batchSize: 0,
          });
        } else if (tag === 'R' && typeof parsed['outcome_id'] === 'string') {
          items.push({
            kind: 'resolution',
            id: parsed['outcome_id'],
            json: body,
            segment,
            batchKey: undefined,
            batchSize: 0,
          });
        } else if (tag === 'D' && Array.isArray(parsed['i'])) {
          for (const key of parsed['i']) done.add(String(key));
        } else if (tag === 'B' && typeof parsed['k'] === 'string' && Array.isArray(parsed['i'])) {
          batches.push({ key: parsed['k'], members: parsed['i'].map(String) });
        }
      }
    }
    const live = items.filter((item) => !done.has(itemKey(item.kind, item.id)));
    const byKey = new Map(live.map((item) => [itemKey(item.kind, item.id), item]));
    for (const batch of batches) {
      const members = batch.members.map((key) => byKey.get(key));
      if (members.some((member) => member === undefined)) continue;
      for (const member of members as RecoveredItem[]) {
        member.batchKey = batch.key;
        member.batchSize = members.length;
      }
    }
    for (const segment of segments) this.#pending.set(segment, 0);
    for (const item of live) this.#pending.set(item.segment, (this.#pending.get(item.segment) ?? 0) + 1);
    return { items: live, lastSegment: segments.at(-1) ?? 0 };
  }

  /** Sequence number up to which every appended item is on disk. */
  get persistedSeq(): number {
    return this.#persistedSeq;
  }

  /** Counts a recovered item (already on disk) as pending. */
  adopt(item: QueueItem): void {
    if (item.seq > this.#persistedSeq) this.#persistedSeq = item.seq;
  }

  /** Appends a queued item; it becomes sendable once its group commit is on disk. */
  append(item: QueueItem): void {
    if (this.#segmentBytes >= this.#options.segmentBytes) {
      this.#segment++;
      this.#segmentBytes = 0;
    }
    item.segment = this.#segment;
    this.#pending.set(this.#segment, (this.#pending.get(this.#segment) ?? 0) + 1);
    this.#write(`${item.kind === 'event' ? 'E' : 'R'}${item.json}\n`);
    this.#bufferedSeq = item.seq;
    this.#bufferedIds.push(item.id);
  }

  /** Records a batch's key and members; resolves once on disk, so a replay reuses the same key. */
  recordBatch(key: string, items: readonly QueueItem[]): Promise<void> {
    this.#write(`B${JSON.stringify({ k: key, i: items.map((item) => itemKey(item.kind, item.id)) })}\n`);
    return this.#commitNow();
  }

  /** Marks items done (acknowledged or reported failed) so they are never replayed. */
  markDone(items: readonly QueueItem[]): void {
    if (items.length === 0 || this.#closed) return;
    this.#write(`D${JSON.stringify({ i: items.map((item) => itemKey(item.kind, item.id)) })}\n`);
    for (const item of items) {
      const left = (this.#pending.get(item.segment) ?? 1) - 1;
      this.#pending.set(item.segment, left);
    }
  }

  /** Resolves once every item appended so far is on disk. */
  whenPersisted(seq: number): Promise<void> {
    if (seq <= this.#persistedSeq) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ seq, resolve }));
  }

  /** Writes what is buffered, deletes finished segments (all of them, when nothing is pending), releases the lock. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#commitNow();
    this.#closed = true;
    await this.#deleteFinished(true);
    await this.#files.close();
  }

  #write(line: string): void {
    if (!this.#pending.has(this.#segment)) this.#pending.set(this.#segment, 0);
    const last = this.#chunks.at(-1);
    if (last && last.segment === this.#segment) last.lines.push(line);
    else this.#chunks.push({ segment: this.#segment, lines: [line] });
    this.#segmentBytes += line.length;
    if (!this.#timer && !this.#writing) {
      this.#timer = setTimeout(() => void this.#commit(), this.#options.commitDelayMs);
    }
  }

  async #commitNow(): Promise<void> {
    while (this.#writing || this.#chunks.length > 0) {
      if (this.#writing) await this.#writing;
      else await this.#commit();
    }
  }

  #commit(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#writing) return this.#writing;
    const chunks = this.#chunks;
    const seq = this.#bufferedSeq;
    const ids = this.#bufferedIds;
    this.#chunks = [];
    this.#bufferedIds = [];
    this.#writing = (async () => {
      try {
        for (const chunk of chunks) {
          await this.#files.append(segmentName(chunk.segment), chunk.lines.join(''), this.#options.fsync);
        }
      } catch (error) {
        // Never hold events back because the disk failed: they stay sendable, and the error names them.
        this.#onError(error, ids);
      }
      if (seq > this.#persistedSeq) this.#persistedSeq = seq;
      this.#waiters = this.#waiters.filter((waiter) => {
        if (waiter.seq > this.#persistedSeq) return true;
        waiter.resolve();
        return false;
      });
      await this.#deleteFinished(false).catch((error: unknown) => this.#onError(error, []));
    })().finally(() => {
      this.#writing = undefined;
      if (this.#chunks.length > 0 && !this.#timer) {
        this.#timer = setTimeout(() => void this.#commit(), this.#options.commitDelayMs);
      }
    });
    return this.#writing;
  }

  /** Deletes finished segments oldest first; the current one only when `all` and nothing is pending. */
  async #deleteFinished(all: boolean): Promise<void> {
    const segments = [...this.#pending.keys()].sort((a, b) => a - b);
    for (const segment of segments) {
      if ((this.#pending.get(segment) ?? 0) > 0) return;
      if (segment >= this.#segment && !all) return;
      this.#pending.delete(segment);
      await this.#files.remove(segmentName(segment));
    }
  }
}
