/** The file operations the outbox needs; the seam `#outbox-files` maps them to node:fs or to a stub. */
export interface OutboxFiles {
  /** Creates the directory and takes its lock; throws when another live process holds it. */
  open(): void;
  /** Names of the files in the directory. */
  list(): string[];
  read(name: string): string;
  /** Appends to a file (created when missing), then `fdatasync`s it when `sync` is true. */
  append(name: string, data: string, sync: boolean): Promise<void>;
  remove(name: string): Promise<void>;
  /** Closes open handles and releases the lock. */
  close(): Promise<void>;
}
