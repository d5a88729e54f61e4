// onnxruntime's error text, made into one line a user can act on: which node, which op, what went
// wrong — without the C++ source paths and signatures it carries ("/onnxruntime_src/onnxruntime/
// core/framework/bfc_arena.cc:360 void* onnxruntime::BFCArena::AllocateRawInternal(…) Failed to
// allocate memory for requested buffer of size 17592186044416"). The raw text stays available
// (ModelError.raw, shown by `--verbose`).
import { ModelError } from '../core/model';

export interface OrtFailure {
  /** One line: "node 'Expand_0' (Expand): would allocate 16 TiB". */
  message: string;
  node?: string;
  op?: string;
  /** Bytes of a failed allocation, when the failure was one. */
  allocationBytes?: number;
  /** The problem alone, without the node ("would allocate 16 TiB"). */
  problem: string;
  raw: string;
  /** Which runtime failed (set by the backend). */
  engine?: string;
}

/** A ModelError that also carries onnxruntime's raw text (and, for a failed run, what failed). */
export type RunModelError = ModelError & { raw?: string; failure?: OrtFailure };

export function modelErrorWithRaw(message: string, raw: string | undefined, failure?: OrtFailure): RunModelError {
  const e = new ModelError(message) as RunModelError;
  if (raw) e.raw = raw;
  if (failure) e.failure = failure;
  return e;
}

export function rawOrtText(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.replace(/^Error: /, '');
}

export function translateOrtError(e: unknown): OrtFailure {
  const raw = rawOrtText(e);
  let text = raw.replace(/\s+/g, ' ').trim();
  // onnxruntime-web's wrappers: "failed to call OrtRun(). ERROR_CODE: 6, ERROR_MESSAGE: …"
  text = text.replace(/^.*?ERROR_MESSAGE: /, '');
  // "[ONNXRuntimeError] : 6 : RUNTIME_EXCEPTION : …"
  text = text.replace(/^\[ONNXRuntimeError\] : \d+ : \w+ : /, '');
  let node: string | undefined, op: string | undefined;
  let m = /Non-zero status code returned while running (\S+) node\. Name:'(.*?)' Status Message: (.*)$/.exec(text);
  if (m) {
    op = m[1];
    node = m[2];
    text = m[3];
  } else if ((m = /Load model from .*? failed: ?(.*)$/.exec(text))) {
    text = m[1];
  }
  const loadNode = /^Node \((.*?)\) Op \((.*?)\) (.*)$/.exec(text) ?? /In Node, \("(.*?)", (\w+), .*?Error (.*)$/.exec(text);
  if (!node && loadNode) {
    node = loadNode[1];
    op = loadNode[2];
    text = loadNode[3];
  }
  text = stripSourceLocation(text).replace(/\[ONNXRuntimeError\] : \d+ : \w+ : /, '');
  let allocationBytes: number | undefined;
  const alloc = /Failed to allocate memory for requested buffer of size (\d+)/.exec(text) ?? /bad_alloc|std::bad_alloc/.exec(text);
  let problem = text;
  if (alloc) {
    allocationBytes = alloc[1] ? Number(alloc[1]) : undefined;
    problem = allocationBytes !== undefined ? `would allocate ${formatSize(allocationBytes)} for its output, more than this machine can give` : 'ran out of memory';
  } else if (/size overflow|Integer overflow|Tensor shape is too large/i.test(text)) {
    problem = 'would produce a tensor too large to address';
  }
  problem = problem.slice(0, 300);
  const message = node !== undefined ? `node '${node}'${op ? ` (${op})` : ''}: ${problem}` : problem;
  return { message, node, op, allocationBytes, problem, raw };
}

/** Drops "path/file.cc:123 ReturnType ns::Class::Method(args) const " from the front of a message. */
function stripSourceLocation(text: string): string {
  const at = /(?:^|\s)\S+\.(?:cc|cpp|h|hpp|c):\d+\s/.exec(text);
  if (!at) return text;
  let rest = text.slice(at.index + at[0].length);
  const open = rest.indexOf('(');
  // A C++ signature: "type name(args)" — find its matching ")".
  if (open >= 0 && open < 200 && /^[\w:<>*&, ~\[\]]+$/.test(rest.slice(0, open))) {
    let depth = 0;
    for (let i = open; i < rest.length; i++) {
      if (rest[i] === '(') depth++;
      else if (rest[i] === ')' && --depth === 0) {
        rest = rest.slice(i + 1).replace(/^\s*const\b/, '').trimStart();
        break;
      }
    }
  }
  return (text.slice(0, at.index).trim() + ' ' + rest).trim();
}

/** Binary sizes for allocations: "16 TiB", "12 GiB", "300 MiB". */
export function formatSize(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let v = bytes, u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${bytes} bytes` : `${v >= 100 || Number.isInteger(v) ? v.toFixed(0) : v.toFixed(1)} ${units[u]}`;
}
