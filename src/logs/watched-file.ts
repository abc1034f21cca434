import { open, stat, type FileHandle } from 'node:fs/promises';

/**
 * Appends to a file the way Python's `logging.handlers.WatchedFileHandler` (Odoo's file handler
 * on POSIX) does: before each write it compares the path's device and inode with those of the
 * open descriptor, and reopens when the file was renamed or deleted. Rotation by rename needs
 * no signal: the next line goes to a new file at the same path.
 */
export class WatchedFile {
  private handle?: FileHandle;
  private identity?: { dev: number; ino: number };
  private queue: Promise<void> = Promise.resolve();

  constructor(readonly path: string) {}

  /** Writes are serialized, so lines of concurrent callers never interleave. */
  append(text: string): Promise<void> {
    const next = this.queue.then(() => this.write(text));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async write(text: string): Promise<void> {
    const now = await stat(this.path).catch(() => undefined);
    if (this.handle && (!now || now.dev !== this.identity?.dev || now.ino !== this.identity?.ino)) {
      await this.handle.close();
      this.handle = undefined;
    }
    if (!this.handle) {
      this.handle = await open(this.path, 'a');
      const st = await this.handle.stat();
      this.identity = { dev: st.dev, ino: st.ino };
    }
    await this.handle.write(text);
  }

  async close(): Promise<void> {
    await this.queue;
    await this.handle?.close();
    this.handle = undefined;
  }
}
