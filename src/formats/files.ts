// Opening files named by the user or by a model (model files, ONNX external data, TF.js shards):
// only regular files. A named pipe blocks `open` until a writer appears, a device such as
// /dev/zero never ends, a folder fails with EISDIR on read — each gets one clear message instead.
// Files are opened with O_NONBLOCK and checked with fstat, so a file swapped for a pipe between
// stat and open cannot block either (O_NONBLOCK does not change reads of regular files).
import * as fs from 'node:fs';

const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0);

/** "a folder", "a named pipe" … for a file that is not a regular file. */
export function fileKind(st: fs.Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a named pipe';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** Why a file cannot be used, in words: "is a named pipe, not a regular file". */
export function notRegularReason(st: fs.Stats): string {
  const kind = fileKind(st);
  return kind === 'not a regular file' ? 'is not a regular file' : `is ${kind}, not a regular file`;
}

/** A file-system error in words (no errno codes or stack text for the user). */
export function fsErrorText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT': return 'no such file';
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'EISDIR': return 'is a folder, not a file';
    case 'ENOTDIR': return 'a part of the path is not a folder';
    case 'ELOOP': return 'too many levels of symbolic links';
    case 'ENAMETOOLONG': return 'the path is too long';
    case 'EMFILE': case 'ENFILE': return 'too many open files';
    case 'EIO': return 'an input/output error';
    case 'EAGAIN': return 'the file is not ready for reading';
    case 'ENXIO': return 'no such device';
    default: return code ? `cannot be read (${code.toLowerCase()})` : 'cannot be read';
  }
}

/** Thrown by the open helpers; callers put the file's role into their own ModelError. */
export class FileRefused extends Error {}

/** Stats `file`; throws FileRefused with a reason in words when it is missing or not a regular file. */
export function statRegularFile(file: string): fs.Stats {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    throw new FileRefused(fsErrorText(e));
  }
  if (!st.isFile()) throw new FileRefused(notRegularReason(st));
  return st;
}

/** Opens a regular file for reading without ever blocking; returns the descriptor and its size. */
export function openRegularFileSync(file: string): { fd: number; size: number } {
  let fd: number;
  try {
    fd = fs.openSync(file, OPEN_FLAGS);
  } catch (e) {
    throw new FileRefused(fsErrorText(e));
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new FileRefused(notRegularReason(st));
    return { fd, size: st.size };
  } catch (e) {
    fs.closeSync(fd);
    throw e instanceof FileRefused ? e : new FileRefused(fsErrorText(e));
  }
}

/** The async twin of openRegularFileSync. */
export async function openRegularFile(file: string): Promise<{ handle: fs.promises.FileHandle; size: number }> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, OPEN_FLAGS);
  } catch (e) {
    throw new FileRefused(fsErrorText(e));
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new FileRefused(notRegularReason(st));
    return { handle, size: st.size };
  } catch (e) {
    await handle.close();
    throw e instanceof FileRefused ? e : new FileRefused(fsErrorText(e));
  }
}

const READ_SPAN = 1 << 26;

/** Reads a whole regular file (in 64 MiB spans, so files over fs.readFileSync's 2 GiB work too),
 *  refusing special files and files over `maxBytes` before allocating anything. `extra` bytes of
 *  room are left at the end of the returned buffer for the caller to fill. */
export function readRegularFileSync(file: string, maxBytes = Number.MAX_SAFE_INTEGER, extra = 0): Uint8Array {
  const { fd, size } = openRegularFileSync(file);
  try {
    if (size > maxBytes) throw new FileRefused(`is ${size.toLocaleString('en-US')} bytes, more than the ${maxBytes.toLocaleString('en-US')} allowed here`);
    let out: Uint8Array;
    try {
      out = new Uint8Array(size + extra);
    } catch {
      throw new FileRefused(`is ${size.toLocaleString('en-US')} bytes, too large to read into memory`);
    }
    for (let off = 0; off < size; ) {
      const n = fs.readSync(fd, out, off, Math.min(READ_SPAN, size - off), off);
      if (n <= 0) throw new FileRefused('ended early (changed while it was read?)');
      off += n;
    }
    return out;
  } catch (e) {
    throw e instanceof FileRefused ? e : new FileRefused(fsErrorText(e));
  } finally {
    fs.closeSync(fd);
  }
}
