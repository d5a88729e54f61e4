// The glossary: entries, lookup, text matching, hover card and plot data. No vscode imports here.
export type { GlossaryEntry, GlossaryAliases, Framework, OnnxOpsetInfo, EntryKind } from './types';
export { GLOSSARY } from './entries';
export { resolveTerm, suggestTerms, normalizeTerm, entryById, allAliases, aliasConflicts } from './lookup';
export { findTerms, termAt, termAtWindowed, commentStart, type TermMatch, type MatchOptions } from './matcher';
export { glossaryCard, cardForTerm, cardMarkdown, cardCommands, cardText, escapeMarkdown, commandUri, OPEN_GLOSSARY_COMMAND, EXPLAIN_TERM_COMMAND } from './card';
export type { GlossaryCard, CardLine, CardLink } from './card';
export { setModelActivationCounts, activationUsage, countActivationEntries, entryIdForActivationOp } from './usage';
export type { ActivationUsage, ActivationUsageProvider, ModelActivationCount } from './usage';
export { plotFor, CURVES, type Plot } from './functions';
