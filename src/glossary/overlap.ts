// Shared-wording check between glossary text and the study material: both are reduced to words
// (lower case, punctuation dropped) and compared as runs of N consecutive words. The study texts
// are kept out of the repository; `STUDY_FINGERPRINT` holds only hashes of their 8-word runs.

export const RUN_LENGTH = 8;

/** Lower-cased words with punctuation removed ("ReLU's" → "relus", "non-linearity" → "non", "linearity"). */
export function wordsOf(text: string): string[] {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u2019'`]/g, '')
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/** 32-bit FNV-1a of a string, as 8 hex digits. */
export function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** Every run of `n` consecutive words, joined by single spaces. */
export function wordRuns(text: string, n = RUN_LENGTH): string[] {
  const w = wordsOf(text);
  const runs: string[] = [];
  for (let i = 0; i + n <= w.length; i++) runs.push(w.slice(i, i + n).join(' '));
  return runs;
}

/** Sorted, de-duplicated hashes of a text's n-word runs. */
export function runHashes(text: string, n = RUN_LENGTH): string[] {
  return [...new Set(wordRuns(text, n).map(fnv1a))].sort();
}

/** Every string inside a value (object fields, array items), with its path. */
export function stringFields(value: unknown, path = ''): { path: string; text: string }[] {
  if (typeof value === 'string') return [{ path, text: value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringFields(v, `${path}[${i}]`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => stringFields(v, path ? `${path}.${k}` : k));
  return [];
}

/** Runs of `text` whose hash is in `fingerprint`. */
export function sharedRuns(text: string, fingerprint: ReadonlySet<string>, n = RUN_LENGTH): string[] {
  return wordRuns(text, n).filter((r) => fingerprint.has(fnv1a(r)));
}
