// Term lookup: one normalised key per alias, so `nn.LeakyReLU`, `LeakyRelu`, `leakyReLU`,
// `leaky_relu` and `leaky relu` all land on the same entry; close-match suggestions otherwise.
import { GLOSSARY } from './entries';
import type { GlossaryAliases, GlossaryEntry } from './types';

/** Module prefixes that only say where a name lives, never what it is. Longest first. */
const PREFIXES = [
  'torch.nn.functional.',
  'torch.nn.',
  'torch.',
  'nn.functional.',
  'nn.',
  'f.',
  'tf.keras.layers.',
  'tf.keras.activations.',
  'tf.keras.ops.',
  'keras.layers.',
  'keras.activations.',
  'keras.ops.',
  'tf.layers.',
  'tf.nn.',
  'tf.math.',
  'tf.raw_ops.',
  'tf.',
  'layers.',
  'activations.',
  'ops.',
  'ai.onnx.',
  'com.microsoft.',
  'onnx.',
];

export interface NormalizedTerm {
  key: string;
  /** True when a framework prefix (nn., F., tf.layers., …) was stripped. */
  qualified: boolean;
}

/** Lower-cases, strips framework prefixes and call parentheses, removes separators. */
export function normalizeTermDetailed(raw: string): NormalizedTerm {
  let s = raw.trim().toLowerCase().replace(/\(.*\)?$/, '').replace(/['"`]/g, '').trim();
  let qualified = false;
  for (let changed = true; changed; ) {
    changed = false;
    for (const p of PREFIXES) {
      if (s.startsWith(p) && s.length > p.length) {
        s = s.slice(p.length);
        qualified = true;
        changed = true;
        break;
      }
    }
  }
  // ′ and Unicode dashes are spelling variants too.
  return { key: s.replace(/[\s_\-.\u2010-\u2015/]+/g, ''), qualified };
}

export function normalizeTerm(raw: string): string {
  return normalizeTermDetailed(raw).key;
}

export function allAliases(entry: GlossaryEntry): string[] {
  const a: GlossaryAliases = entry.aliases;
  return [entry.name, entry.id, ...a.onnx, ...a.pytorch, ...a.keras, ...a.tfjs, ...a.tensorflow, ...a.other];
}

interface Index {
  byKey: Map<string, GlossaryEntry>;
  byId: Map<string, GlossaryEntry>;
  /** Keys claimed by two different entries (a data error; tested to be empty). */
  conflicts: string[];
}

let index: Index | undefined;

function buildIndex(): Index {
  const byKey = new Map<string, GlossaryEntry>();
  const byId = new Map<string, GlossaryEntry>();
  const conflicts: string[] = [];
  for (const entry of GLOSSARY) {
    byId.set(entry.id, entry);
    // "SiLU / Swish" → also "SiLU" and "Swish"; "Sparsity (of activations)" → "Sparsity".
    const names = [entry.name, ...entry.name.split('/'), entry.name.replace(/\s*\(.*\)\s*/, '')];
    for (const alias of [...names, ...allAliases(entry)]) {
      const key = normalizeTerm(alias);
      if (!key) continue;
      const prev = byKey.get(key);
      if (prev && prev !== entry) conflicts.push(`${key}: ${prev.id} vs ${entry.id}`);
      else byKey.set(key, entry);
    }
  }
  return { byKey, byId, conflicts };
}

function getIndex(): Index {
  return (index ??= buildIndex());
}

export function aliasConflicts(): string[] {
  return getIndex().conflicts;
}

export function entryById(id: string): GlossaryEntry | undefined {
  return getIndex().byId.get(id);
}

/** Exact lookup (after normalisation) by name, id or any alias; accepts a plural "s". */
export function resolveTerm(term: string): GlossaryEntry | undefined {
  const { byKey, byId } = getIndex();
  const direct = byId.get(term);
  if (direct) return direct;
  const key = normalizeTerm(term);
  if (!key) return undefined;
  const hit = byKey.get(key) ?? (key.length > 3 && key.endsWith('s') ? byKey.get(key.slice(0, -1)) : undefined);
  if (hit) return hit;
  // "dying ReLU / dead unit", "SiLU / Swish": alternatives written together name one entry.
  if (/\s\/\s|\s+or\s+/.test(term)) {
    for (const part of term.split(/\s\/\s|\s+or\s+/)) {
      const e = resolveTerm(part);
      if (e) return e;
    }
  }
  return undefined;
}

/** Lookup restricted to normalised keys (used by the text matcher). */
export function entryForKey(key: string): GlossaryEntry | undefined {
  return getIndex().byKey.get(key);
}

/** Optimal-string-alignment distance (Levenshtein plus adjacent transpositions). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** Up to `limit` entries whose names or aliases are close to `term`, best first. */
export function suggestTerms(term: string, limit = 3): GlossaryEntry[] {
  const key = normalizeTerm(term);
  if (!key) return [];
  const best = new Map<GlossaryEntry, number>();
  for (const [k, entry] of getIndex().byKey) {
    let score = editDistance(key, k);
    // A query that is a prefix/part of a longer name ("hardsig") is a good hint too.
    if (key.length >= 3 && (k.startsWith(key) || (key.length >= 4 && k.includes(key)))) score = Math.min(score, 1);
    const allowed = Math.max(2, Math.floor(Math.max(key.length, k.length) / 3));
    if (score > allowed) continue;
    const prev = best.get(entry);
    if (prev === undefined || score < prev) best.set(entry, score);
  }
  return [...best.entries()]
    .sort((x, y) => x[1] - y[1] || x[0].name.localeCompare(y[0].name))
    .slice(0, limit)
    .map(([e]) => e);
}
