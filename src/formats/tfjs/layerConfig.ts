// A Keras layer's config as core attributes: plain numbers, strings and lists of them typed,
// everything else (initializers, regularizers, nulls, nested objects) kept as JSON.
import type { Attribute, AttributeValue } from '../../core/model';

export function configValue(v: unknown): AttributeValue {
  if (typeof v === 'number') return Number.isInteger(v) ? { type: 'int', value: v } : { type: 'float', value: v };
  if (typeof v === 'string') return { type: 'string', value: v };
  if (Array.isArray(v) && v.length > 0) {
    if (v.every((x) => typeof x === 'number' && Number.isInteger(x))) return { type: 'ints', value: v as number[] };
    if (v.every((x) => typeof x === 'number')) return { type: 'floats', value: v as number[] };
    if (v.every((x) => typeof x === 'string')) return { type: 'strings', value: v as string[] };
  }
  return { type: 'json', value: v };
}

export function configAttributes(config: Record<string, unknown>, skip: ReadonlySet<string> = new Set()): Attribute[] {
  const out: Attribute[] = [];
  for (const [name, value] of Object.entries(config)) {
    if (skip.has(name)) continue;
    out.push({ name, value: configValue(value) });
  }
  return out;
}
