// The compact card shown by hovers (VS Code) and by the viewer webview: plain data first, so both
// render the same content; `cardMarkdown` turns it into trusted-command Markdown for VS Code.
import { resolveTerm } from './lookup';
import type { ActivationUsage } from './usage';
import type { GlossaryEntry } from './types';

export const OPEN_GLOSSARY_COMMAND = 'activationLens.openGlossary';
export const EXPLAIN_TERM_COMMAND = 'activationLens.explainTerm';

export interface CardLine {
  label: string;
  text: string;
  /** Render `text` as code (formulas). */
  code?: boolean;
}

export interface CardLink {
  label: string;
  command: string;
  args: unknown[];
}

export interface GlossaryCard {
  id: string;
  title: string;
  summary: string;
  lines: CardLine[];
  links: CardLink[];
}

function pct(share: number): string {
  return `${(share * 100).toFixed(share < 0.1 ? 1 : 0)} %`;
}

function usageLine(u: ActivationUsage): string {
  const layers = `${u.layers} layer${u.layers === 1 ? '' : 's'}`;
  return u.deadShare === undefined ? `${u.model}: ${layers}` : `${u.model}: ${layers}, ${pct(u.deadShare)} dead units measured`;
}

/** The card for an entry. `usage`: one row per open model using the activation (the VS Code hover
 *  passes `activationUsage(entry.id)`; the viewer passes the counts of the model it shows). Pure
 *  data, no vscode and no DOM, so the viewer webview can bundle and render it as text. */
export function glossaryCard(entry: GlossaryEntry, usage: ActivationUsage[] = []): GlossaryCard {
  const lines: CardLine[] = [{ label: 'Formula', text: entry.formula, code: true }];
  if (!entry.range.startsWith('not applicable')) lines.push({ label: 'Range', text: entry.range });
  if (entry.advantages[0]) lines.push({ label: 'Pro', text: entry.advantages[0] });
  if (entry.drawbacks[0]) lines.push({ label: 'Con', text: entry.drawbacks[0] });
  lines.push({ label: 'Dying ReLU', text: entry.dyingRelu });
  for (const u of usage) lines.push({ label: 'In open model', text: usageLine(u) });
  const links: CardLink[] = [{ label: 'Open full entry', command: OPEN_GLOSSARY_COMMAND, args: [entry.id] }];
  for (const u of usage) if (u.reveal) links.push({ label: u.reveal.label ?? `Show in ${u.model}`, command: u.reveal.command, args: u.reveal.args });
  links.push({ label: 'Other terms…', command: EXPLAIN_TERM_COMMAND, args: [] });
  return { id: entry.id, title: entry.name, summary: entry.summary, lines, links };
}

/** The card for any spelling of a term (`'Relu'`, `nn.LeakyReLU`, "dying ReLU"), if it is in the glossary. */
export function cardForTerm(term: string, usage: ActivationUsage[] = []): GlossaryCard | undefined {
  const entry = resolveTerm(term);
  return entry && glossaryCard(entry, usage);
}

/** Escapes Markdown syntax so glossary and model text shows literally. */
export function escapeMarkdown(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (c) => `\\${c}`);
}

export function commandUri(command: string, args: unknown[]): string {
  return args.length ? `command:${command}?${encodeURIComponent(JSON.stringify(args))}` : `command:${command}`;
}

/** Markdown for a VS Code hover; the caller trusts exactly `cardCommands(card)`. */
export function cardMarkdown(card: GlossaryCard): string {
  const out = [`**${escapeMarkdown(card.title)}** — ${escapeMarkdown(card.summary)}`, ''];
  for (const l of card.lines) {
    const text = l.code ? `\`${l.text.replace(/`/g, "'")}\`` : escapeMarkdown(l.text);
    out.push(`*${escapeMarkdown(l.label)}:* ${text}  `);
  }
  out.push('', card.links.map((k) => `[${escapeMarkdown(k.label)}](${commandUri(k.command, k.args)})`).join(' · '));
  return out.join('\n');
}

/** The command ids a card links to (for `MarkdownString.isTrusted = { enabledCommands }`). */
export function cardCommands(card: GlossaryCard): string[] {
  return [...new Set(card.links.map((l) => l.command))];
}

/** Plain text (CLI, logs, accessibility). */
export function cardText(card: GlossaryCard): string {
  return [`${card.title} — ${card.summary}`, ...card.lines.map((l) => `${l.label}: ${l.text}`)].join('\n');
}
