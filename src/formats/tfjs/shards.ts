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
  private cache?: { pos: number; data: Uint8Array };

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
    let shardStart = 0;
    for (const shard of this.shards) {
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

  /** A little-endian uint32 at `pos`, through a small block cache (string tensors are walked
   *  length prefix by length prefix). */
  async uint32(pos: number, weight: string): Promise<number> {
    const c = this.cache;
    if (!c || pos < c.pos || pos + 4 > c.pos + c.data.length) {
      this.check(pos, 4, weight);
      const len = Math.min(1 << 16, this.readableBytes - pos);
      this.cache = { pos, data: await this.read(pos, len, weight) };
    }
    const { pos: start, data } = this.cache as { pos: number; data: Uint8Array };
    const i = pos - start;
    return (data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24)) >>> 0;
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
