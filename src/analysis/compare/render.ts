// A comparison as text (terminal) and as Markdown (a pull-request comment). Names come from model
// files and are untrusted: in Markdown every one is escaped, so a layer name cannot add links,
// HTML, table cells or @-mentions to the comment.
import * as path from 'node:path';
import { describeInputs } from './inputs';
import type { LayerComparison, RunComparison } from './types';

export function pct(x: number): string {
  return Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : '–';
}

export function num(x: number): string {
  if (!Number.isFinite(x)) return '–';
  return Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(2) : x.toFixed(3);
}

function signed(s: string, x: number): string {
  return Number.isFinite(x) && x > 0 ? `+${s}` : s;
}

/** A change of a share in percentage points. */
function dPct(x: number): string {
  if (!Number.isFinite(x)) return '–';
  const s = `${(x * 100).toFixed(1)} pp`;
  return s === '-0.0 pp' ? '0.0 pp' : signed(s, x);
}

function dNum(x: number): string {
  return signed(num(x), x);
}

/** Unit lists, shortened: 0, 3, 5, … (+12 more). */
export function unitList(units: number[], max = 12): string {
  return units.length <= max ? units.join(', ') : `${units.slice(0, max).join(', ')}, … (+${units.length - max} more)`;
}

function kinds(l: LayerComparison): string {
  return l.kindA === l.kindB ? l.kindA : `${l.kindA} → ${l.kindB}`;
}

function units(l: LayerComparison): string {
  return l.unitsA === l.unitsB ? String(l.unitsA) : `${l.unitsA} → ${l.unitsB}`;
}

function layerLabel(l: { a: string; b: string }): string {
  return l.a === l.b ? l.a : `${l.a} → ${l.b}`;
}

function displayPath(p: string, cwd: string): string {
  const rel = path.relative(cwd, p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}

function runLabel(c: RunComparison, side: 'a' | 'b', cwd: string): string {
  const r = c.runs[side];
  return r.runFile ? `${displayPath(r.runFile, cwd)} (run of ${displayPath(r.model, cwd)})` : displayPath(r.model, cwd);
}

function inputsLine(c: RunComparison): string {
  if (c.inputs !== null) return `${c.inputs}, ${c.samples} sample${c.samples === 1 ? '' : 's'}, the same for both runs`;
  return `A ${describeInputs(c.runs.a)}, ${c.runs.a.samples} samples; B ${describeInputs(c.runs.b)}, ${c.runs.b.samples} samples`;
}

function matchLine(c: RunComparison): string {
  const t = c.totals;
  const un = c.unmatched.a.length + c.unmatched.b.length;
  return `${c.matched.length} matched (${t.matchedByName} by name, ${t.matchedByStructure} by structure), ${un ? `${c.unmatched.a.length} of A and ${c.unmatched.b.length} of B unmatched` : 'none unmatched'}`;
}

function deadLine(c: RunComparison): string {
  const t = c.totals;
  return `A ${t.deadA}, B ${t.deadB}: ${t.died} died, ${t.revived} revived, ${t.deadInBoth} dead in both`;
}

/** The gate's verdict in words: which dead units of B are new. */
export function newDeadLines(c: RunComparison): string[] {
  return c.newDead.map((d) =>
    d.a === undefined
      ? `${d.b} (no counterpart in A): ${d.count} dead unit${d.count === 1 ? '' : 's'} (${unitList(d.units)})`
      : d.units.length
        ? `${layerLabel({ a: d.a, b: d.b })}: unit${d.count === 1 ? '' : 's'} ${unitList(d.units)} died`
        : `${layerLabel({ a: d.a, b: d.b })}: ${d.count} more dead unit${d.count === 1 ? '' : 's'} (unit counts differ)`,
  );
}

function table(head: string[], rows: string[][], leftColumns: number): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (cells: string[]) => '  ' + cells.map((c, i) => (i < leftColumns ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [fmt(head), ...rows.map(fmt)];
}

/** The terminal form. Warnings are not in it (the CLI writes them to stderr). */
export function formatComparisonText(c: RunComparison, cwd = process.cwd()): string {
  const lines = [`A: ${runLabel(c, 'a', cwd)}`, `B: ${runLabel(c, 'b', cwd)}`, `inputs: ${inputsLine(c)}`, `layers: ${matchLine(c)}`, `dead units: ${deadLine(c)}`];
  if (c.layers.length) {
    lines.push('');
    const head = ['layer', 'match', 'activation', 'units', 'dead A', 'dead B', 'died', 'revived', 'zeros A', 'zeros B', 'Δ zeros', 'Δ mean', 'Δ std', 'Δ max'];
    const rows = c.layers.map((l) => [
      layerLabel(l), l.how, kinds(l), units(l), String(l.deadA.length), String(l.deadB.length), String(l.died.length), String(l.revived.length),
      pct(l.zeroFractionA), pct(l.zeroFractionB), dPct(l.deltaZeroFraction), dNum(l.deltaMean), dNum(l.deltaStd), dNum(l.deltaMax),
    ]);
    lines.push(...table(head, rows, 3));
  }
  const details: string[] = [];
  for (const l of c.layers) {
    const parts = [];
    if (l.died.length) parts.push(`died ${unitList(l.died)}`);
    if (l.revived.length) parts.push(`revived ${unitList(l.revived)}`);
    if (l.deadInBoth.length) parts.push(`dead in both ${unitList(l.deadInBoth)}`);
    for (const n of l.notes) parts.push(n);
    if (parts.length) details.push(`  ${layerLabel(l)}: ${parts.join('; ')}`);
  }
  if (details.length) lines.push('', ...details);
  const structural = c.matched.filter((p) => p.how === 'structure');
  if (structural.length) {
    lines.push('', 'matched by structure:');
    for (const p of structural) lines.push(`  ${p.a} ↔ ${p.b}${p.evidence ? ` (${p.evidence})` : ''}`);
  }
  if (c.unmatched.a.length) lines.push(`unmatched in A: ${c.unmatched.a.join(', ')}`);
  if (c.unmatched.b.length) lines.push(`unmatched in B: ${c.unmatched.b.join(', ')}`);
  for (const g of c.ambiguous) lines.push(`not matched, more than one way to pair them: A ${g.a.join(', ') || '–'} with B ${g.b.join(', ') || '–'}`);
  for (const n of c.notes) lines.push(`note: ${n}`);
  const nd = newDeadLines(c);
  lines.push('', nd.length ? `new dead units in B (${c.totals.newDead}):` : 'no new dead units in B');
  for (const l of nd) lines.push(`  ${l}`);
  return lines.join('\n') + '\n';
}

/** Escapes text from a model for Markdown: no links, emphasis, HTML, table breaks or mentions. */
export function md(s: string): string {
  return s
    .replace(/[\r\n]+/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@/g, '&#64;')
    .replace(/[\\`*_[\]|~]/g, '\\$&')
    .replace(/:\/\//g, '&#58;//') // no autolinks: http://…
    .replace(/www\./gi, (w) => `${w.slice(0, 3)}&#46;`);
}

/** The pull-request comment form. */
export function formatComparisonMarkdown(c: RunComparison, cwd = process.cwd()): string {
  const base = (s: 'a' | 'b') => md(path.basename(c.runs[s].runFile ?? c.runs[s].model));
  const out: string[] = [`### Activation Lens: ${base('a')} → ${base('b')}`, ''];
  out.push(`- **A:** ${md(runLabel(c, 'a', cwd))}`, `- **B:** ${md(runLabel(c, 'b', cwd))}`, `- **Inputs:** ${md(inputsLine(c))}`, `- **Layers:** ${md(matchLine(c))}`, `- **Dead units:** ${md(deadLine(c))}`, '');
  if (c.warnings.length) {
    out.push('> [!WARNING]', '> The runs may not be comparable:');
    for (const w of c.warnings) out.push(`> - ${md(w)}`);
    out.push('');
  }
  const nd = newDeadLines(c);
  out.push(nd.length ? `**${c.totals.newDead} new dead unit${c.totals.newDead === 1 ? '' : 's'} in B:**` : '**No new dead units in B.**');
  for (const l of nd) out.push(`- ${md(l)}`);
  out.push('');
  if (c.layers.length) {
    out.push('| Layer | Match | Activation | Units | Dead A | Dead B | Died | Revived | Zeros A | Zeros B | Δ mean | Δ std |', '|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
    for (const l of c.layers) {
      out.push(`| ${md(layerLabel(l))} | ${l.how} | ${md(kinds(l))} | ${units(l)} | ${l.deadA.length} | ${l.deadB.length} | ${l.died.length} | ${l.revived.length} | ${pct(l.zeroFractionA)} | ${pct(l.zeroFractionB)} | ${dNum(l.deltaMean)} | ${dNum(l.deltaStd)} |`);
    }
    out.push('');
  }
  const unitLines: string[] = [];
  for (const l of c.layers) {
    const parts = [];
    if (l.died.length) parts.push(`died ${unitList(l.died, 64)}`);
    if (l.revived.length) parts.push(`revived ${unitList(l.revived, 64)}`);
    if (l.deadInBoth.length) parts.push(`dead in both ${unitList(l.deadInBoth, 64)}`);
    if (parts.length) unitLines.push(`- ${md(layerLabel(l))}: ${md(parts.join('; '))}`);
  }
  if (unitLines.length) out.push('<details><summary>Units that changed</summary>', '', ...unitLines, '', '</details>', '');
  const structural = c.matched.filter((p) => p.how === 'structure');
  if (structural.length || c.unmatched.a.length || c.unmatched.b.length) {
    out.push('<details><summary>Matching</summary>', '');
    for (const p of structural) out.push(`- ${md(p.a)} ↔ ${md(p.b)} by structure${p.evidence ? ` (${md(p.evidence)})` : ''}`);
    if (c.unmatched.a.length) out.push(`- Unmatched in A: ${c.unmatched.a.map(md).join(', ')}`);
    if (c.unmatched.b.length) out.push(`- Unmatched in B: ${c.unmatched.b.map(md).join(', ')}`);
    for (const g of c.ambiguous) out.push(`- Not matched, more than one way to pair them: A ${g.a.map(md).join(', ') || '–'} with B ${g.b.map(md).join(', ') || '–'}`);
    out.push('', '</details>', '');
  }
  return out.join('\n');
}
