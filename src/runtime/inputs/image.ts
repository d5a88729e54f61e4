// PNG and JPEG inputs, decoded by pngjs and jpeg-js (pure JavaScript), resized bilinearly and
// normalised: value = (pixel/255 − mean[c]) / std[c], laid out NCHW or NHWC.
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { ModelError } from '../../core/model';
import type { HostTensor } from '../hostTensor';
import { readBounded } from './tensorProto';
import type { ResolvedInput } from './dims';

export type ImageLayout = 'NCHW' | 'NHWC' | 'auto';

export interface ImageOptions {
  /** [height, width]; undefined → the input's own spatial size, else 224×224. */
  size?: [number, number];
  mean?: number[];
  std?: number[];
  layout?: ImageLayout;
}

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'];
const MAX_PIXELS = 64 * 1024 * 1024;

interface Rgba {
  width: number;
  height: number;
  data: Uint8Array;
}

function decode(file: string): Rgba {
  const bytes = readBounded(file);
  const lower = file.toLowerCase();
  try {
    if (lower.endsWith('.png')) {
      // The IHDR chunk gives the size: refuse a decompression bomb before inflating it.
      if (bytes.length >= 24) {
        const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        const w = v.getUint32(16), h = v.getUint32(20);
        if (w * h > MAX_PIXELS) throw new ModelError(`${file}: ${w}×${h} pixels is too large an image`);
      }
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
    }
    const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_PIXELS / 1e6, maxMemoryUsageInMB: 1024 });
    return { width: img.width, height: img.height, data: img.data };
  } catch (e) {
    if (e instanceof ModelError) throw e;
    throw new ModelError(`${file}: cannot decode the image (${(e as Error).message})`);
  }
}

/** Where the channel axis is in one sample: decided by the option, else by the input's shape
 *  (a leading 1 or 3 is NCHW, a trailing 1 or 3 is NHWC). */
export function imageLayout(input: ResolvedInput, opt: ImageLayout | undefined): 'NCHW' | 'NHWC' {
  if (opt === 'NCHW' || opt === 'NHWC') return opt;
  const s = input.sampleShape;
  if (s.length === 3) {
    if ((s[0] === 3 || s[0] === 1) && !(s[2] === 3 || s[2] === 1)) return 'NCHW';
    if (s[2] === 3 || s[2] === 1) return 'NHWC';
  }
  return 'NCHW';
}

/** One image as one sample [1, …sampleShape] of `input`. */
export function readImage(file: string, input: ResolvedInput, opts: ImageOptions): HostTensor {
  const img = decode(file);
  const layout = imageLayout(input, opts.layout);
  const s = input.sampleShape.length === 4 && input.sampleShape[0] === 1 ? input.sampleShape.slice(1) : input.sampleShape;
  if (s.length !== 3) throw new ModelError(`${file}: input '${input.name}' is not image-shaped (needs rank 4, got sample shape [${input.sampleShape.join(', ')}])`);
  const channels = layout === 'NCHW' ? s[0] : s[2];
  if (channels !== 1 && channels !== 3 && channels !== 4) throw new ModelError(`${file}: input '${input.name}' has ${channels} channels; images give 1, 3 or 4`);
  const spatialSymbolic = layout === 'NCHW' ? input.symbolic.slice(-2).some(Boolean) : input.symbolic.slice(-3, -1).some(Boolean);
  const [h, w] = opts.size ?? (spatialSymbolic ? [224, 224] : layout === 'NCHW' ? [s[1], s[2]] : [s[0], s[1]]);
  const mean = opts.mean ?? [0, 0, 0];
  const std = opts.std ?? [1, 1, 1];
  const out = new Float32Array(channels * h * w);
  const sx = img.width / w, sy = img.height / h;
  for (let y = 0; y < h; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), img.height - 1);
    const y0 = Math.floor(fy), y1 = Math.min(y0 + 1, img.height - 1), dy = fy - y0;
    for (let x = 0; x < w; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), img.width - 1);
      const x0 = Math.floor(fx), x1 = Math.min(x0 + 1, img.width - 1), dx = fx - x0;
      const px = (yy: number, xx: number, c: number): number => img.data[(yy * img.width + xx) * 4 + c];
      const rgba = [0, 1, 2, 3].map((c) => (px(y0, x0, c) * (1 - dx) + px(y0, x1, c) * dx) * (1 - dy) + (px(y1, x0, c) * (1 - dx) + px(y1, x1, c) * dx) * dy);
      const values = channels === 1 ? [(0.299 * rgba[0] + 0.587 * rgba[1] + 0.114 * rgba[2])] : rgba.slice(0, channels);
      for (let c = 0; c < channels; c++) {
        const v = (values[c] / 255 - (mean[c] ?? mean[0] ?? 0)) / (std[c] ?? std[0] ?? 1);
        out[layout === 'NCHW' ? c * h * w + y * w + x : (y * w + x) * channels + c] = v;
      }
    }
  }
  const dims = layout === 'NCHW' ? [channels, h, w] : [h, w, channels];
  const sampleDims = input.sampleShape.length === 4 ? [1, ...dims] : dims;
  return { dtype: 'float32', dims: [1, ...sampleDims], data: out };
}
