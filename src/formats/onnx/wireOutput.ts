// A growing buffer for protobuf wire-format output, shared by the walks that rewrite an ONNX file
// without decoding it (skeleton.ts, weightsByReference.ts).
import type { FileWindow } from './fileWindow';

export class WireError extends Error {}

/** One growing buffer. A nested message's length prefix is reserved before its content is written
 *  and filled in afterwards as a padded varint (protobuf decoders accept redundant continuation
 *  bytes), so nothing is copied twice. */
export class WireOutput {
  buf: Uint8Array;
  len = 0;

  /** `expected`: about how many bytes will be written. The node buffer of a model without weights
   *  is about as large as the file (a little more: the padded length prefixes), so sizing it so up
   *  front spares the doublings (on the 100,000-node bench model, 16 MB, they cost ≈35 ms of a
   *  cold open); with weights it is much smaller, so the first allocation is capped (pages never
   *  written are never touched). */
  constructor(expected: number) {
    this.buf = new Uint8Array(Math.max(1 << 16, Math.min(expected + (expected >> 3), 1 << 26)));
  }

  ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    if (size > 2 ** 30) throw new WireError('the model\'s structure (without weights) is larger than 1 GB');
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }

  varint(v: number): void {
    while (v >= 0x80) {
      this.byte((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.byte(v);
  }

  /** Appends the file's bytes [from, to). */
  copyFrom(win: FileWindow, from: number, to: number): void {
    if (to <= from) return;
    this.ensure(to - from);
    win.copyInto(from, to - from, this.buf, this.len);
    this.len += to - from;
  }

  bytes(b: ArrayLike<number>): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  reserve(n: number): number {
    this.ensure(n);
    const at = this.len;
    this.len += n;
    return at;
  }

  /** Writes v as a varint of exactly n bytes at `at`. */
  paddedVarint(at: number, n: number, v: number): void {
    if (v >= 2 ** (7 * n)) throw new WireError(`a message grew past its reserved length prefix`);
    for (let i = 0; i < n; i++) {
      this.buf[at + i] = (v % 0x80) | (i < n - 1 ? 0x80 : 0);
      v = Math.floor(v / 0x80);
    }
  }
}
