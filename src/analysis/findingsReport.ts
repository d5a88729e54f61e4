// The ways `scan` prints findings: JSON (the documented shape), SARIF 2.1.0 for code-scanning
// tools, Markdown for pull-request comments, and plain text for terminals.
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { RULES, type Finding, type RuleId } from './findings';
import type { Analysis } from './rules/index';

export interface ScanJson {
  model: string;
  samples: number;
  findings: {
    rule: RuleId;
    severity: Finding['severity'];
    confidence: Finding['confidence'];
    node: string;
    source?: string;
    units: number[];
    unitCount?: number;
    message: string;
    suggestions: Finding['suggestions'];
  }[];
}

export function toJson(a: Analysis): ScanJson {
  return {
    model: a.model,
    samples: a.samples,
    findings: a.findings.map((f) => ({
      rule: f.rule,
      severity: f.severity,
      confidence: f.confidence,
      node: f.node,
      source: f.source,
      units: f.units,
      unitCount: f.unitCount,
      message: f.message,
      suggestions: f.suggestions,
    })),
  };
}

/** Where the rule's background is explained: the glossary entry, shown by the CLI and the extension. */
export function glossaryHint(rule: RuleId): string {
  return `activation-lens glossary ${RULES[rule].glossary}`;
}

/** SARIF 2.1.0: one run, the rule catalogue in tool.driver.rules, one result per finding located at
 *  the model file with the node as a logical location. */
export function toSarif(a: Analysis, toolVersion = '0.1.0', cwd = process.cwd()): object {
  const ruleIds = Object.keys(RULES) as RuleId[];
  const rel = path.relative(cwd, a.model);
  const uri = rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : pathToFileURL(a.model).href;
  const level = (s: Finding['severity']) => (s === 'error' ? 'error' : s === 'warning' ? 'warning' : 'note');
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'Activation Lens',
            version: toolVersion,
            rules: ruleIds.map((id) => ({
              id,
              name: id.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase()),
              shortDescription: { text: RULES[id].title },
              fullDescription: { text: RULES[id].help },
              help: { text: `${RULES[id].help} More: \`${glossaryHint(id)}\`.`, markdown: `${RULES[id].help}\n\nMore: \`${glossaryHint(id)}\` (or the glossary entry in VS Code).` },
              properties: { glossary: RULES[id].glossary, kind: RULES[id].kind },
              defaultConfiguration: { level: RULES[id].kind === 'dynamic' ? 'warning' : 'warning' },
            })),
          },
        },
        artifacts: [{ location: { uri } }],
        results: a.findings.map((f) => ({
          ruleId: f.rule,
          ruleIndex: ruleIds.indexOf(f.rule),
          level: level(f.severity),
          message: { text: f.message + (f.suggestions.length ? ` Suggested: ${f.suggestions.slice(0, 3).map((s) => s.variant).join(', ')}.` : '') },
          locations: [
            {
              physicalLocation: { artifactLocation: { uri, index: 0 } },
              logicalLocations: [{ name: f.node, fullyQualifiedName: f.node, kind: 'member' }],
            },
          ],
          properties: { confidence: f.confidence, node: f.node, units: f.units, suggestions: f.suggestions },
        })),
        properties: { samples: a.samples },
      },
    ],
  };
}

function mdEscape(s: string): string {
  return s.replace(/[\\`*_[\]|<>]/g, (c) => `\\${c}`);
}

export function toMarkdown(a: Analysis): string {
  const lines: string[] = [];
  lines.push(`## Activation Lens: ${mdEscape(path.basename(a.model))}`, '');
  lines.push(a.samples ? `Static rules and measurements over ${a.samples.toLocaleString('en-US')} samples.` : 'Static rules (weights only).', '');
  if (!a.findings.length) {
    lines.push('No findings.');
    return lines.join('\n') + '\n';
  }
  lines.push('| Severity | Rule | Node | Units | Finding | Suggested |', '|---|---|---|---|---|---|');
  for (const f of a.findings) {
    const units = f.units.length ? (f.units.length > 8 ? `${f.units.slice(0, 8).join(', ')} … (${f.units.length})` : f.units.join(', ')) : '';
    lines.push(`| ${f.severity} | ${f.rule} | ${mdEscape(f.node)} | ${units} | ${mdEscape(f.message)} | ${f.suggestions.slice(0, 3).map((s) => s.variant).join(', ')} |`);
  }
  return lines.join('\n') + '\n';
}

export function toText(a: Analysis): string {
  if (!a.findings.length) return `${a.model}: no findings${a.samples ? ` (${a.samples} samples)` : ' (static rules)'}\n`;
  const out: string[] = [];
  for (const f of a.findings) {
    out.push(`${f.severity.padEnd(7)} ${f.rule} [${f.confidence}] ${f.node}`);
    out.push(`        ${f.message}`);
    const top = f.suggestions.slice(0, 3);
    if (top.length) out.push(`        try: ${top.map((s) => `${s.variant}${Object.keys(s.params).length ? ` (${Object.entries(s.params).map(([k, v]) => `${k}=${v}`).join(', ')})` : ''}`).join('; ')}`);
  }
  const counts = ['error', 'warning', 'info'].map((s) => `${a.findings.filter((f) => f.severity === s).length} ${s}${s === 'info' ? '' : 's'}`);
  out.push('', `${a.model}: ${counts.join(', ')}`);
  return out.join('\n') + '\n';
}
