// Finds ReLU uses in Python (PyTorch, Keras, tf.nn) and TypeScript/JavaScript (TF.js) source and
// writes each variant in that framework's own API and parameter names. Pure text logic (no
// `vscode` import) so it is unit-tested directly; codeActions.ts turns it into code actions.
import type { VariantId } from '../analysis/suggestions';

export type SiteKind =
  | 'torch-module' // nn.ReLU(...)
  | 'torch-functional' // F.relu(x), torch.relu(x), torch.nn.functional.relu(x)
  | 'keras-string' // activation='relu'
  | 'keras-layer' // layers.ReLU()
  | 'tf-nn' // tf.nn.relu(x)
  | 'tfjs-string' // activation: 'relu'
  | 'tfjs-op' // tf.relu(x)
  | 'tfjs-layer'; // tf.layers.reLU()

export interface ReluSite {
  kind: SiteKind;
  /** Offsets of the text to replace. */
  start: number;
  end: number;
  /** The callee prefix as written ("nn.", "torch.nn.", "layers.", "tf.keras.layers." …). */
  prefix: string;
  /** Call arguments as written (top-level split), for calls. */
  args: string[];
  /** Quote character of a string form. */
  quote?: string;
  /** How the file reaches Keras layers ("keras.layers.", "tf.keras.layers.", "layers."), for
   *  replacements that need a layer where a string stood. */
  kerasLayers?: string;
}

function kerasLayersPrefix(text: string): string {
  if (/^\s*from\s+(?:tensorflow\.)?keras\s+import\s+(?:.*\b)?layers\b/m.test(text)) return 'layers.';
  if (/^\s*(?:import\s+keras\b|from\s+tensorflow\s+import\s+keras\b)/m.test(text)) return 'keras.layers.';
  if (/\btf\.keras\b/.test(text)) return 'tf.keras.layers.';
  return 'keras.layers.';
}

export interface Replacement {
  variant: VariantId;
  title: string;
  newText: string;
}

/** Offset just past the parenthesis closing the one at `open`, skipping strings; -1 if unbalanced. */
function closeParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "'" || c === '`') {
      const q = c;
      for (i++; i < text.length && text[i] !== q; i++) if (text[i] === '\\') i++;
      continue;
    }
    if (c === '#' && depth > 0 && text[i - 1] !== '\\') {
      // Python comment inside a multi-line call
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

/** Splits call arguments at top-level commas. */
function splitArgs(inner: string): string[] {
  const out: string[] = [];
  let depth = 0, cur = '';
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      for (; j < inner.length && inner[j] !== c; j++) if (inner[j] === '\\') j++;
      cur += inner.slice(i, j + 1);
      i = j;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') depth++;
    if (c === ')' || c === ']' || c === '}') depth--;
    if (c === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/** Offsets inside comments or strings of a line-oriented scan are skipped by checking the line. */
function inCommentOrString(text: string, at: number, python: boolean): boolean {
  const lineStart = text.lastIndexOf('\n', at - 1) + 1;
  const before = text.slice(lineStart, at);
  if (python ? /#/.test(before.replace(/(['"]).*?\1/g, '')) : /\/\//.test(before.replace(/(['"`]).*?\1/g, ''))) return true;
  // an odd number of quotes before the match on this line: inside a string
  const quotes = (before.match(/(?<!\\)['"]/g) ?? []).length;
  return quotes % 2 === 1;
}

interface Pattern {
  kind: SiteKind;
  re: RegExp;
  call: boolean;
}

const PYTHON: Pattern[] = [
  { kind: 'keras-layer', re: /\b((?:tf\.)?(?:keras\.)?layers\.)ReLU\s*\(/g, call: true },
  { kind: 'torch-module', re: /(?<![\w.])((?:torch\.)?nn\.|)ReLU\s*\(/g, call: true },
  { kind: 'torch-functional', re: /(?<![\w.])(torch\.nn\.functional\.|nn\.functional\.|F\.|torch\.)relu\s*\(/g, call: true },
  { kind: 'tf-nn', re: /(?<![\w.])(tf\.nn\.)relu\s*\(/g, call: true },
  { kind: 'keras-string', re: /\bactivation\s*=\s*(['"])relu\1/g, call: false },
];

const SCRIPT: Pattern[] = [
  { kind: 'tfjs-layer', re: /(?<![\w.])(tf\.layers\.)reLU\s*\(/g, call: true },
  { kind: 'tfjs-op', re: /(?<![\w.])(tf\.)relu\s*\(/g, call: true },
  { kind: 'tfjs-string', re: /\bactivation\s*:\s*(['"`])relu\1/g, call: false },
];

/** Every ReLU use in a document. `language` is a VS Code language id. */
export function findReluSites(text: string, language: string): ReluSite[] {
  const python = language === 'python';
  const patterns = python ? PYTHON : /^(typescript|javascript)(react)?$/.test(language) ? SCRIPT : [];
  const isTorch = /\bimport\s+torch\b|\bfrom\s+torch\b/.test(text);
  const kerasLayers = python ? kerasLayersPrefix(text) : undefined;
  const sites: ReluSite[] = [];
  const taken = new Set<number>();
  for (const p of patterns) {
    p.re.lastIndex = 0;
    for (let m = p.re.exec(text); m; m = p.re.exec(text)) {
      const start = m.index;
      if (taken.has(start) || inCommentOrString(text, start, python)) continue;
      let kind = p.kind;
      // A bare ReLU( is PyTorch's when the file imports torch, else Keras's (from keras.layers import ReLU).
      if (kind === 'torch-module' && m[1] === '' && !isTorch) kind = 'keras-layer';
      if (!p.call) {
        sites.push({ kind, start, end: start + m[0].length, prefix: '', args: [], quote: m[1], kerasLayers });
        taken.add(start);
        continue;
      }
      const open = start + m[0].length - 1;
      const end = closeParen(text, open);
      if (end < 0) continue;
      sites.push({ kind, start, end, prefix: m[1] ?? '', args: splitArgs(text.slice(open + 1, end - 1)) });
      taken.add(start);
    }
  }
  return sites.sort((a, b) => a.start - b.start);
}

function num(v: number): string {
  return Number.isInteger(v) ? `${v}.0` : String(v);
}

function jsNum(v: number): string {
  return String(v);
}

const LABEL: Record<VariantId, string> = { 'leaky-relu': 'Leaky ReLU', prelu: 'PReLU', elu: 'ELU', selu: 'SELU', celu: 'CELU', silu: 'SiLU', gelu: 'GELU' };

/** The variants for one site, written in its framework's API. `alpha`: Leaky ReLU's slope. */
export function replacementsFor(site: ReluSite, alpha = 0.01): Replacement[] {
  const out: Replacement[] = [];
  const add = (variant: VariantId, newText: string, note = '') => out.push({ variant, newText, title: `Replace with ${LABEL[variant]}: ${newText.length > 60 ? newText.slice(0, 57) + '…' : newText}${note}` });
  const a = site.args;
  const p = site.prefix;
  switch (site.kind) {
    case 'torch-module': {
      const inplace = a.some((x) => /^(inplace\s*=\s*)?True$/.test(x)) ? ', inplace=True' : '';
      const only = inplace ? 'inplace=True' : '';
      add('leaky-relu', `${p}LeakyReLU(negative_slope=${num(alpha)}${inplace})`);
      add('prelu', `${p}PReLU(num_parameters=1, init=0.25)`, ' (num_parameters=C learns one slope per channel)');
      add('elu', `${p}ELU(alpha=1.0${inplace})`);
      add('selu', `${p}SELU(${only})`, ' (use LeCun-normal init)');
      add('celu', `${p}CELU(alpha=1.0${inplace})`);
      add('silu', `${p}SiLU(${only})`);
      add('gelu', `${p}GELU()`);
      break;
    }
    case 'torch-functional': {
      const x = a[0] ?? 'x';
      const inplace = a.slice(1).some((y) => /^(inplace\s*=\s*)?True$/.test(y)) ? ', inplace=True' : '';
      const f = p === 'torch.' ? 'torch.nn.functional.' : p;
      add('leaky-relu', `${f}leaky_relu(${x}, negative_slope=${num(alpha)}${inplace})`);
      add('elu', `${f}elu(${x}, alpha=1.0${inplace})`);
      add('selu', `${f}selu(${x}${inplace})`);
      add('celu', `${f}celu(${x}, alpha=1.0${inplace})`);
      add('silu', `${f}silu(${x}${inplace})`);
      add('gelu', `${f}gelu(${x})`);
      break;
    }
    case 'tf-nn': {
      const x = a[0] ?? 'x';
      add('leaky-relu', `${p}leaky_relu(${x}, alpha=${alpha})`, ' (tf.nn default alpha is 0.2)');
      add('elu', `${p}elu(${x})`);
      add('selu', `${p}selu(${x})`);
      add('silu', `${p}silu(${x})`);
      add('gelu', `${p}gelu(${x}, approximate=False)`);
      break;
    }
    case 'keras-string': {
      const q = site.quote ?? "'";
      add('leaky-relu', `activation=${site.kerasLayers ?? 'keras.layers.'}LeakyReLU(negative_slope=${alpha})`, ' (Keras 2: alpha=; the layer default is 0.3)');
      add('elu', `activation=${q}elu${q}`);
      add('selu', `activation=${q}selu${q}`, ` (with kernel_initializer=${q}lecun_normal${q})`);
      add('silu', `activation=${q}swish${q}`);
      add('gelu', `activation=${q}gelu${q}`);
      break;
    }
    case 'keras-layer':
      add('leaky-relu', `${p}LeakyReLU(negative_slope=${alpha})`, ' (Keras 2: alpha=; default 0.3)');
      add('prelu', `${p}PReLU()`, ' (slopes start at 0; alpha_initializer sets them)');
      add('elu', `${p}ELU(alpha=1.0)`);
      add('selu', `${p}Activation('selu')`);
      add('silu', `${p}Activation('swish')`);
      add('gelu', `${p}Activation('gelu')`);
      break;
    case 'tfjs-string': {
      const q = site.quote ?? "'";
      add('elu', `activation: ${q}elu${q}`);
      add('selu', `activation: ${q}selu${q}`);
      add('silu', `activation: ${q}swish${q}`);
      add('gelu', `activation: ${q}gelu${q}`);
      break;
    }
    case 'tfjs-op': {
      const x = a[0] ?? 'x';
      add('leaky-relu', `${p}leakyRelu(${x}, ${jsNum(alpha)})`, ' (tf.leakyRelu default alpha is 0.2)');
      add('elu', `${p}elu(${x})`);
      add('selu', `${p}selu(${x})`);
      break;
    }
    case 'tfjs-layer': {
      const name = /^\{[\s\S]*\}$/.test(a[0] ?? '') ? (/name\s*:\s*([^,}]+)/.exec(a[0])?.[1]?.trim() ?? '') : '';
      const withName = (cfg: string) => (name ? (cfg === '' ? `{name: ${name}}` : cfg.replace(/^\{/, `{name: ${name}, `)) : cfg);
      add('leaky-relu', `${p}leakyReLU(${withName(`{alpha: ${jsNum(alpha)}}`)})`, ' (the layer default is 0.3)');
      add('prelu', `${p}prelu(${withName('{alphaInitializer: tf.initializers.constant({value: 0.25})}')})`);
      add('elu', `${p}elu(${withName('')})`);
      add('selu', `${p}activation(${withName(`{activation: 'selu'}`)})`);
      add('silu', `${p}activation(${withName(`{activation: 'swish'}`)})`);
      add('gelu', `${p}activation(${withName(`{activation: 'gelu'}`)})`);
      break;
    }
  }
  return out;
}

/** The site whose text contains `offset`, if any. */
export function siteAt(sites: ReluSite[], offset: number): ReluSite | undefined {
  return sites.find((s) => offset >= s.start && offset <= s.end);
}
