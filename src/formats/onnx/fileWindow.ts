import * as fs from 'node:fs';
import { openRegularFileSync } from '../files';

/** Positioned, buffered reads from a file: the reader walks the protobuf wire format through a
 *  window instead of loading the file, so weight bytes are never read when opening a model. */
export class FileWindow {
  private buf: Buffer;
  private bufStart = 0;
  private bufEnd = 0;

  constructor(readonly fd: number, readonly size: number, windowSize = 1 << 20) {
    this.buf = Buffer.allocUnsafe(windowSize);
  }

  /** Opens a regular file (throws FileRefused for a missing file, a folder, a pipe or a device). */
  static open(path: string): FileWindow {
    const { fd, size } = openRegularFileSync(path);
    return new FileWindow(fd, size);
  }

  close(): void {
    fs.closeSync(this.fd);
  }

  /** Byte at an absolute position (caller checks pos < size). */
  byte(pos: number): number {
    if (pos < this.bufStart || pos >= this.bufEnd) this.fill(pos);
    return this.buf[pos - this.bufStart];
  }

  private fill(pos: number): void {
    const n = fs.readSync(this.fd, this.buf, 0, Math.min(this.buf.length, this.size - pos), pos);
    this.bufStart = pos;
    this.bufEnd = pos + n;
  }

  /** Copies `length` bytes at `pos` into `target` at `targetOffset`. */
  copyInto(pos: number, length: number, target: Uint8Array, targetOffset: number): void {
    if (pos >= this.bufStart && pos + length <= this.bufEnd) {
      target.set(this.buf.subarray(pos - this.bufStart, pos - this.bufStart + length), targetOffset);
      return;
    }
    let done = 0;
    while (done < length) {
      const n = fs.readSync(this.fd, target, targetOffset + done, length - done, pos + done);
      if (n === 0) throw new Error(`the file ends before byte ${pos + length}`);
      done += n;
    }
  }

  /** A copy of `length` bytes at `pos`. */
  read(pos: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    if (pos >= this.bufStart && pos + length <= this.bufEnd) {
      out.set(this.buf.subarray(pos - this.bufStart, pos - this.bufStart + length));
      return out;
    }
    let done = 0;
    while (done < length) {
      const n = fs.readSync(this.fd, out, done, length - done, pos + done);
      if (n === 0) break;
      done += n;
    }
    return out;
  }
}

/** Reads byte ranges of a file on demand, opening it only for the read. */
export async function readRange(path: string, offset: number, length: number): Promise<Uint8Array> {
  const handle = await fs.promises.open(path, 'r');
  try {
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await handle.read(out, done, length - done, offset + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    if (done < length) throw new Error(`expected ${length} bytes at offset ${offset}, the file ends after ${done}`);
    return out;
  } finally {
    await handle.close();
  }
}
