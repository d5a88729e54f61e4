// One weights-manifest group: its shard files read as one concatenated byte range. Shard sizes
// come from stat() at open; bytes are read only when a tensor's values are asked for.
import * as fs from 'node:fs';
import { ModelError, printable } from '../../core/model';
import { FileRefused, fsErrorText, openRegularFile } from '../files';

export interface ShardFile {
  /** The path as the manifest spells it (what error messages show). */
  name: string;
  /** Absolute path, already checked to stay inside the model's folder. */
  path: string;
  /** Size at open time; undefined when the file is missing. */
  size?: number;
}

export class ShardGroup {
  /** Bytes readable from the start of the group: the shards up to the first missing one. */
  readonly readableBytes: number;
  /** Index of the first missing shard, or -1. */
  readonly firstMissing: number;
  /** Offset of each readable shard (those before the first missing one) in the group's bytes. */
  private readonly starts: number[];
  /** The last block stringsEnd read (consecutive string weights share it). */
  private block?: { start: number; data: Uint8Array };

  constructor(readonly modelFile: string, readonly groupIndex: number, readonly shards: ShardFile[]) {
    let total = 0;
    let missing = -1;
    for (let i = 0; i < shards.length; i++) {
      const s = shards[i].size;
      if (s === undefined) {
        missing = i;
        break;
      }
      total += s;
    }
    this.readableBytes = total;
    this.firstMissing = missing;
    const readable = missing < 0 ? shards.length : missing;
    this.starts = new Array(readable);
    let at = 0;
    for (let i = 0; i < readable; i++) {
      this.starts[i] = at;
      at += shards[i].size as number;
    }
  }

  static open(modelFile: string, groupIndex: number, files: { name: string; path: string }[]): ShardGroup {
    const shards = files.map((f) => {
      try {
        const st = fs.statSync(f.path);
        return { ...f, size: st.isFile() ? st.size : undefined };
      } catch {
        return { ...f, size: undefined };
      }
    });
    return new ShardGroup(modelFile, groupIndex, shards);
  }

  get storedBytes(): number {
    return this.shards.reduce((s, f) => s + (f.size ?? 0), 0);
  }

  /** Throws a ModelError naming the shard when bytes [offset, offset+length) cannot be read. */
  check(offset: number, length: number, weight: string): void {
    const end = offset + length;
    if (end <= this.readableBytes) return;
    if (this.firstMissing >= 0) {
      const missing = this.shards[this.firstMissing];
      throw new ModelError(`${this.modelFile}: cannot read weight '${weight}': weights shard '${missing.name}' is missing`);
    }
    const last = this.shards[this.shards.length - 1];
    const where = last ? `shard '${last.name}' is short` : 'the group lists no shard files';
    throw new ModelError(
      `${this.modelFile}: cannot read weight '${weight}': ${where} — the weight needs bytes ${offset}–${end} of weight group ${this.groupIndex + 1}, its shards hold ${this.readableBytes}`,
    );
  }

  /** Reads bytes [offset, offset+length) of the concatenated shards. */
  async read(offset: number, length: number, weight: string): Promise<Uint8Array> {
    this.check(offset, length, weight);
    const out = new Uint8Array(length);
    let done = 0;
    // The first shard holding `offset`, by binary search: a manifest may list 100,000 shards.
    let lo = 0, hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    let shardStart = this.starts[lo] ?? 0;
    for (let s = lo; s < this.starts.length; s++) {
      const shard = this.shards[s];
      const size = shard.size as number;
      const shardEnd = shardStart + size;
      const want = offset + done;
      if (done < length && want < shardEnd && want >= shardStart) {
        const n = Math.min(length - done, shardEnd - want);
        let got: number;
        try {
          got = await readAt(shard.path, out, done, n, want - shardStart);
        } catch (e) {
          const why = e instanceof FileRefused ? e.message : fsErrorText(e);
          throw new ModelError(`${this.modelFile}: cannot read weight '${printable(weight)}': weights shard '${printable(shard.name)}' ${why}`);
        }
        if (got < n) {
          throw new ModelError(
            `${this.modelFile}: cannot read weight '${weight}': weights shard '${shard.name}' is short (it changed since the model was opened)`,
          );
        }
        done += n;
      }
      shardStart = shardEnd;
      if (done === length) break;
    }
    return out;
  }

  /** Where `count` length-prefixed strings starting at `offset` end: each is a little-endian uint32
   *  length and that many bytes. Walked synchronously through 64 KiB blocks (one read per block or
   *  per string that skips past one), so a million short strings cost a few reads, not a million
   *  awaits. Throws a ModelError when the shards end first. */
  async stringsEnd(offset: number, count: number, weight: string): Promise<number> {
    let pos = offset;
    for (let k = 0; k < count; k++) {
      let b = this.block;
      if (!b || pos < b.start || pos + 4 > b.start + b.data.length) {
        this.check(pos, 4, weight);
        b = this.block = { start: pos, data: await this.read(pos, Math.min(1 << 16, this.readableBytes - pos), weight) };
      }
      const d = b.data, i = pos - b.start;
      pos += 4 + ((d[i] | (d[i + 1] << 8) | (d[i + 2] << 16) | (d[i + 3] << 24)) >>> 0);
    }
    return pos;
  }
}

async function readAt(file: string, out: Uint8Array, outOffset: number, length: number, position: number): Promise<number> {
  const { handle } = await openRegularFile(file);
  try {
    let done = 0;
    while (done < length) {
      const { bytesRead } = await handle.read(out, outOffset + done, length - done, position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done;
  } finally {
    await handle.close();
  }
}
