// The shape of one glossary entry. Every field is always present so `glossary --json` consumers
// (and the hover card) never have to guess which ones exist.

/** Where a name is spelled: ONNX op types, PyTorch classes/functions, Keras layer classes and
 *  activation strings, TensorFlow.js layers/ops/strings, TensorFlow ops, and plain-language names. */
export interface GlossaryAliases {
  onnx: string[];
  pytorch: string[];
  keras: string[];
  tfjs: string[];
  tensorflow: string[];
  /** Spoken names, abbreviations and spellings seen in papers and comments. */
  other: string[];
}

export type Framework = 'onnx' | 'pytorch' | 'keras' | 'tfjs';

export interface OnnxOpsetInfo {
  /** One row per ONNX operator that implements the term (empty for concepts). */
  ops: { op: string; domain: string; since: number; latest: number }[];
  note: string;
}

export type EntryKind = 'activation' | 'concept';

export interface GlossaryEntry {
  /** Stable identifier used in command links and `related`: lower-case, hyphenated. */
  id: string;
  name: string;
  kind: EntryKind;
  aliases: GlossaryAliases;
  /** One line. */
  summary: string;
  definition: string;
  /** f(x) in plain Unicode (for concepts: the defining relation). */
  formula: string;
  /** f′(x) in plain Unicode (for concepts: the relevant derivative or relation). */
  derivative: string;
  /** Output range, e.g. "[0, +∞)". */
  range: string;
  /** First item is the one-line "pro" shown on the hover card. */
  advantages: string[];
  /** First item is the one-line "con" shown on the hover card. */
  drawbacks: string[];
  /** How the term relates to the dying-ReLU problem. */
  dyingRelu: string;
  whenToUse: string;
  computeCost: string;
  onnxOpset: OnnxOpsetInfo;
  /** Default parameters per framework ("not available" where the framework lacks it). */
  defaults: Record<Framework, string>;
  /** Ids of related entries. */
  related: string[];
  sources: {
    /** File names of the study texts the facts come from. */
    study: string[];
    /** Framework documentation the remaining facts (defaults, opsets, formulas) come from. */
    docs: string[];
  };
}
