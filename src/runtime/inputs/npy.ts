// NumPy .npy and .npz files. The .npy format is a short text header plus raw little-endian data
// (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html); no maintained npm
// package reads it without pulling in a browser build or a native addon, and the format is ten
// lines of header parsing. .npz is a zip of .npy files, opened with fflate.
import { unzipSync } from 'fflate';
import { ModelError } from '../../core/model';
import { allocate, elementCount, type HostDType, type HostTensor } from '../hostTensor';
import { readBounded } from './tensorProto';

const DESCR: Record<string, HostDType> = {
  f2: 'float16', f4: 'float32', f8: 'float64', i1: 'int8', u1: 'uint8', i2: 'int16', u2: 'uint16',
  i4: 'int32', u4: 'uint32', i8: 'int64', u8: 'uint64', b1: 'bool',
};

const BYTES: Record<string, number> = { float16: 2, float32: 4, float64: 8, int8: 1, uint8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, int64: 8, uint64: 8, bool: 1 };

export function parseNpy(bytes: Uint8Array, where: string): HostTensor {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((m, i) => bytes[i] !== m)) throw new ModelError(`${where}: not a .npy file (bad magic)`);
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  if (headerStart + headerLen > bytes.length) throw new ModelError(`${where}: truncated .npy header`);
  const header = new TextDecoder('latin1').decode(bytes.subarray(headerStart, headerStart + headerLen));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) throw new ModelError(`${where}: unreadable .npy header: ${header.trim().slice(0, 120)}`);
  if (fortran === 'True') throw new ModelError(`${where}: Fortran-ordered arrays are not supported (save with np.ascontiguousarray)`);
  const order = descr[0];
  const dtype = DESCR[descr.slice(1)];
  if (!dtype || (order === '>' && !descr.endsWith('1'))) throw new ModelError(`${where}: element type '${descr}' is not supported (use little-endian numbers)`);
  const dims = shapeText.split(',').map((s) => s.trim()).filter((s) => s.length).map(Number);
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new ModelError(`${where}: bad shape (${shapeText})`);
  const count = elementCount(dims);
  const start = headerStart + headerLen;
  const need = count * BYTES[dtype];
  // Checked before allocating: a header may claim any shape.
  if (bytes.length - start < need) throw new ModelError(`${where}: data holds ${bytes.length - start} bytes, shape (${shapeText}) needs ${need}`);
  const data = allocate(dtype, count) as Float32Array;
  new Uint8Array(data.buffer).set(bytes.subarray(start, start + need));
  return { dtype, dims, data };
}

export function readNpy(file: string): HostTensor {
  return parseNpy(readBounded(file), file);
}

/** The arrays of an .npz, by name (without ".npy"), in the archive's order. */
export function readNpz(file: string): { name: string; tensor: HostTensor }[] {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(readBounded(file), { filter: (f) => f.name.endsWith('.npy') && f.originalSize <= 2 * 1024 ** 3 });
  } catch (e) {
    throw new ModelError(`${file}: not a readable .npz archive (${(e as Error).message})`);
  }
  return Object.entries(entries).map(([name, bytes]) => ({ name: name.replace(/\.npy$/, ''), tensor: parseNpy(bytes, `${file}:${name}`) }));
}
