// Finds glossary terms in one line of source text (Python, TS/JS, JSON, Markdown) for hovers.
// Three kinds of hits:
//  • phrases ("dying ReLU", "vanishing gradients", "leaky relu") anywhere, case-insensitive;
//  • whole identifiers, possibly dotted (`nn.LeakyReLU`, `F.silu`, `torch.relu`, `'elu'`);
//  • activation names inside a longer identifier at a word-part boundary (`relu_count`,
//    `conv1_relu6`, `myLeakyRelu`) — but not inside a word (`reluctant`, `prelude`).
import { GLOSSARY } from './entries';
import { allAliases, entryForKey, normalizeTerm, normalizeTermDetailed } from './lookup';
import type { GlossaryEntry } from './types';

export interface TermMatch {
  entry: GlossaryEntry;
  /** Column range in the line: [start, end). */
  start: number;
  end: number;
  text: string;
}

/** Keys that are ordinary words in code; they only count when written with a framework prefix
 *  (`nn.Threshold`, `layers.Activation`), never bare (`threshold = 0.5`). */
const NEEDS_PREFIX = new Set(['threshold', 'logistic', 'activation', 'grad', 'conv', 'saturate', 'saturated', 'saturating', 'rectifier', 'nonlinear']);

interface Phrase {
  re: RegExp;
  entry: GlossaryEntry;
}

let phrases: Phrase[] | undefined;

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Multi-word aliases become regexes that accept any run of spaces, hyphens or underscores
 *  between words and an optional plural ending. */
function getPhrases(): Phrase[] {
  if (phrases) return phrases;
  const list: { words: string[]; entry: GlossaryEntry }[] = [];
  for (const entry of GLOSSARY) {
    for (const alias of [entry.name.replace(/\s*\(.*\)\s*/, ''), ...allAliases(entry)]) {
      const words = alias.toLowerCase().split(/[\s\-_/]+/).filter(Boolean);
      if (words.length < 2 || words.some((w) => !/^[a-z0-9]+$/.test(w))) continue;
      list.push({ words, entry });
    }
  }
  // Longer phrases first so "scaled exponential linear unit" wins over "exponential linear unit".
  list.sort((a, b) => b.words.join(' ').length - a.words.join(' ').length);
  phrases = list.map(({ words, entry }) => ({
    re: new RegExp(`(?<![A-Za-z0-9])${words.map(escapeRe).join('[\\s_-]+')}(?:e?s)?(?![A-Za-z0-9])`, 'gi'),
    entry,
  }));
  return phrases;
}

/** Splits an identifier into word parts with their offsets: `conv1_reluCount` → conv,1,relu,Count. */
function wordParts(ident: string): { text: string; start: number }[] {
  const parts: { text: string; start: number }[] = [];
  const re = /[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+/g;
  for (let m = re.exec(ident); m; m = re.exec(ident)) parts.push({ text: m[0], start: m.index });
  return parts;
}

function pluralFree(key: string): GlossaryEntry | undefined {
  return entryForKey(key) ?? (key.length > 3 && key.endsWith('s') ? entryForKey(key.slice(0, -1)) : undefined);
}

/** Resolves a whole (possibly dotted) identifier token. */
function resolveToken(token: string): GlossaryEntry | undefined {
  const { key, qualified } = normalizeTermDetailed(token);
  if (!key) return undefined;
  if (NEEDS_PREFIX.has(key) && !qualified) return undefined;
  return pluralFree(key);
}

/** The longest run of word parts inside `segment` that names an activation function. */
function activationInside(segment: string): { entry: GlossaryEntry; start: number; end: number } | undefined {
  const parts = wordParts(segment);
  let best: { entry: GlossaryEntry; start: number; end: number } | undefined;
  for (let i = 0; i < parts.length; i++) {
    let joined = '';
    for (let j = i; j < parts.length && j < i + 5; j++) {
      joined += parts[j].text.toLowerCase();
      const entry = NEEDS_PREFIX.has(joined) ? undefined : entryForKey(joined);
      if (!entry || entry.kind !== 'activation') continue;
      const start = parts[i].start;
      const end = parts[j].start + parts[j].text.length;
      if (!best || end - start > best.end - best.start) best = { entry, start, end };
    }
  }
  return best;
}

export interface MatchOptions {
  /** 'code' (Python, TS/JS): a bare one-word concept ("gradient", "saturation") only counts inside
   *  a comment, since in code it is usually an unrelated name (`linear-gradient`, HSL saturation).
   *  'prose' (Markdown, JSON, comments): every term counts. Default 'prose'. */
  mode?: 'code' | 'prose';
}

/** Column where a comment starts on a line of code (`#`, `//`, a `/*` or `*` block line, a
 *  docstring line), or Infinity. A heuristic: a `#` inside a string also counts. */
export function commentStart(line: string): number {
  if (/^\s*(\*|\/\*|"""|''')/.test(line)) return 0;
  const hash = line.indexOf('#');
  const slashes = line.indexOf('//');
  const starts = [hash, slashes].filter((i) => i >= 0 && !(i > 0 && line[i - 1] === ':'));
  return starts.length ? Math.min(...starts) : Infinity;
}

/** All glossary terms in `line`, left to right, without overlaps (longer hits win). */
export function findTerms(line: string, options: MatchOptions = {}): TermMatch[] {
  const proseFrom = options.mode === 'code' ? commentStart(line) : 0;
  const hits: TermMatch[] = [];
  for (const { re, entry } of getPhrases()) {
    re.lastIndex = 0;
    for (let m = re.exec(line); m; m = re.exec(line)) hits.push({ entry, start: m.index, end: m.index + m[0].length, text: m[0] });
  }
  const tokenRe = /[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/g;
  for (let m = tokenRe.exec(line); m; m = tokenRe.exec(line)) {
    const token = m[0];
    const whole = resolveToken(token);
    const bareConceptInCode = whole?.kind === 'concept' && !token.includes('.') && m.index < proseFrom;
    if (whole && !bareConceptInCode) {
      hits.push({ entry: whole, start: m.index, end: m.index + token.length, text: token });
      continue;
    }
    // `x.relu()`, `model.layers.Softmax` … : try the dotted segments on their own.
    let offset = 0;
    for (const seg of token.split('.')) {
      const segStart = m.index + offset;
      offset += seg.length + 1;
      let asWord = token.includes('.') && !whole ? resolveToken(seg) : undefined;
      if (asWord?.kind === 'concept' && segStart < proseFrom) asWord = undefined;
      if (asWord) {
        hits.push({ entry: asWord, start: segStart, end: segStart + seg.length, text: seg });
        continue;
      }
      const inside = activationInside(seg);
      // The whole identifier is the hover target (hovering `count` in `relu_count` still explains ReLU).
      if (inside) hits.push({ entry: inside.entry, start: segStart, end: segStart + seg.length, text: seg.slice(inside.start, inside.end) });
    }
  }
  // Keep the longest hit where hits overlap, then order by position.
  hits.sort((a, b) => b.end - b.start - (a.end - a.start) || a.start - b.start);
  const kept: TermMatch[] = [];
  for (const h of hits) if (!kept.some((k) => h.start < k.end && k.start < h.end)) kept.push(h);
  return kept.sort((a, b) => a.start - b.start);
}

/** The term under column `col` (0-based) of `line`, if any. */
export function termAt(line: string, col: number, options: MatchOptions = {}): TermMatch | undefined {
  return findTerms(line, options).find((t) => col >= t.start && col < t.end);
}

/** Like `termAt`, but only looks at `radius` characters around `col`: a minified model.json is
 *  one line of megabytes, and a hover must not scan all of it. Offsets refer to the full line. */
export function termAtWindowed(line: string, col: number, options: MatchOptions = {}, radius = 256): TermMatch | undefined {
  if (line.length <= 2 * radius) return termAt(line, col, options);
  const from = Math.max(0, col - radius);
  // Comment detection needs the line start, which the window may cut off: decide it on the full line.
  const mode = options.mode === 'code' && commentStart(line) <= from ? 'prose' : options.mode;
  const m = termAt(line.slice(from, col + radius), col - from, { mode });
  return m && { ...m, start: m.start + from, end: m.end + from };
}

export { normalizeTerm };
