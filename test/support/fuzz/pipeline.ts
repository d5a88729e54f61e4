// What the fuzzer (and the hostile-model tests) do with one model: the library's public path as
// the CLI and the extension take it — loadModel → summarize → analyzeModel → the viewer's graph →
// weight statistics for every weight the viewer can ask about — and the plausibility checks on
// what comes back.
import { nodeSubgraphs, ModelError, type Graph, type Model, type Tensor } from '../../../src/core/model';
import { loadModel } from '../../../src/formats/load';
import { summarize, type ModelSummary } from '../../../src/analysis/summary';
import { analyzeModel } from '../../../src/analysis/rules/index';
import { tensorStats } from '../../../src/analysis/tensorStats';
import type { Finding } from '../../../src/analysis/findings';
import { buildViewerGraph } from '../../../src/extension/viewerGraph';
import { firstPicture } from '../../../media/firstPicture';
import { encodeGraph } from '../../../src/protocol';

export interface TensorStatsBrief {
  name: string;
  count?: number;
  error?: string;
  /** The statistics call threw something other than a ModelError. */
  internal?: boolean;
}

export interface PipelineResult {
  /** 'error': loadModel, summarize or analyzeModel threw. */
  outcome: 'result' | 'error';
  error?: { name: string; message: string; isModelError: boolean; stack?: string };
  summary?: ModelSummary;
  findings?: Pick<Finding, 'rule' | 'node' | 'message' | 'units' | 'unitCount'>[];
  warnings: string[];
  internalErrors: string[];
  stats?: TensorStatsBrief[];
  timings: { loadMs: number; summaryMs: number; analyzeMs: number; viewerMs: number; statsMs: number };
}

/** Weight statistics are taken for at most this many tensors per model (the viewer asks one at a time). */
const MAX_STATS_TENSORS = 64;

function* allGraphs(g: Graph): Generator<Graph> {
  yield g;
  for (const n of g.nodes) yield* nodeSubgraphs(n);
}

function viewerTensors(model: Model): Tensor[] {
  const seen = new Set<string>();
  const out: Tensor[] = [];
  const add = (t: Tensor) => {
    if (out.length < MAX_STATS_TENSORS && !seen.has(t.name)) {
      seen.add(t.name);
      out.push(t);
    }
  };
  for (const g of allGraphs(model.graph)) {
    for (const t of g.initializers) add(t);
    for (const s of g.sparseInitializers) {
      add(s.values);
      add(s.indices);
    }
    for (const n of g.nodes) for (const a of n.attributes) if (a.value.type === 'tensor') add(a.value.value);
  }
  return out;
}

export async function runPipeline(file: string): Promise<PipelineResult> {
  const timings = { loadMs: 0, summaryMs: 0, analyzeMs: 0, viewerMs: 0, statsMs: 0 };
  const result: PipelineResult = { outcome: 'result', warnings: [], internalErrors: [], timings };
  let t = performance.now();
  const lap = () => {
    const now = performance.now();
    const d = Math.round(now - t);
    t = now;
    return d;
  };
  let model: Model;
  try {
    model = await loadModel(file);
    timings.loadMs = lap();
    result.summary = JSON.parse(JSON.stringify(summarize(model))) as ModelSummary;
    timings.summaryMs = lap();
    const analysis = await analyzeModel(model);
    timings.analyzeMs = lap();
    result.findings = analysis.findings.map((f) => ({ rule: f.rule, node: f.node, message: f.message, units: f.units, unitCount: f.unitCount }));
    result.internalErrors = [...(analysis.internalErrors ?? [])];
    result.warnings = [...model.warnings];
    // What the viewer sends its webview when the model is opened in VS Code: the first picture
    // (computed on the extension host for large models; here for every model) and the graph.
    const built = buildViewerGraph(model);
    JSON.stringify(firstPicture(built.graph, { direction: 'TB', showNames: true, keras: model.format === 'tfjs-layers' }, 0));
    JSON.stringify(encodeGraph(built.graph));
    timings.viewerMs = lap();
  } catch (e) {
    const err = e as Error;
    result.outcome = 'error';
    result.error = { name: err?.name ?? typeof e, message: err?.message ?? String(e), isModelError: e instanceof ModelError, stack: e instanceof ModelError ? undefined : err?.stack };
    return result;
  }
  result.stats = [];
  for (const tensor of viewerTensors(model)) {
    try {
      const s = await tensorStats(() => tensor.values(), 32);
      result.stats.push({ name: tensor.name, count: s.count });
    } catch (e) {
      result.stats.push({ name: tensor.name, error: (e as Error).message, internal: !(e instanceof ModelError) });
    }
  }
  timings.statsMs = lap();
  return result;
}

/** Raw JavaScript and Node error text that must never reach a user as a model warning or error. */
export const RAW_ERROR_TEXT = /\bE(ISDIR|NOTDIR|NOENT|ACCES|IO|AGAIN|NXIO|MFILE|INVAL|FBIG|OVERFLOW)\b(?!\))|Invalid (typed )?array length|Maximum call stack|Cannot read propert|is not a function|is not iterable|undefined is not|Cannot convert|out of range|Array buffer allocation|invalid size error|\bat [\w.<>]+ \(/;

/** Problems with a result: counts that are not finite integers, op counts that are not numbers,
 *  texts with NaN or Infinity, raw error text shown as a warning. */
export function implausibilities(r: PipelineResult): string[] {
  const out: string[] = [];
  const s = r.summary;
  if (s) {
    const ints: [string, unknown][] = [['nodeCount', s.nodeCount], ['nodeCountAll', s.nodeCountAll], ['parameters', s.parameters], ['initializers', s.initializers]];
    for (const [k, v] of ints) if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) out.push(`summary.${k} is ${JSON.stringify(v)}`);
    if (typeof s.ops !== 'object' || s.ops === null) out.push('summary.ops is not an object');
    else {
      let total = 0;
      for (const [op, n] of Object.entries(s.ops)) {
        if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) out.push(`summary.ops[${JSON.stringify(op)}] is ${JSON.stringify(n)}`);
        else total += n;
      }
      if (total !== s.nodeCount) out.push(`summary.ops counts ${total} nodes, nodeCount is ${s.nodeCount}`);
    }
    for (const [k, v] of Object.entries(s.opsets ?? {})) if (typeof v !== 'number' || !Number.isFinite(v)) out.push(`summary.opsets[${JSON.stringify(k)}] is ${JSON.stringify(v)}`);
    for (const [k, v] of Object.entries(s.metadata ?? {})) if (typeof v !== 'string') out.push(`summary.metadata[${JSON.stringify(k)}] is ${JSON.stringify(v)}`);
    for (const a of s.activations ?? []) if (typeof a.activation !== 'string' || typeof a.op !== 'string') out.push(`summary.activations has ${JSON.stringify(a)}`);
  }
  for (const f of r.findings ?? []) {
    if (/\bNaN\b|Infinity/.test(f.message)) out.push(`finding text with NaN/Infinity: ${f.message.slice(0, 200)}`);
    if (f.unitCount !== undefined && (!Number.isSafeInteger(f.unitCount) || f.unitCount < 0)) out.push(`finding unitCount ${f.unitCount}`);
  }
  for (const w of r.warnings) if (RAW_ERROR_TEXT.test(w)) out.push(`raw error text shown as a warning: ${w.slice(0, 200)}`);
  for (const st of r.stats ?? []) {
    if (st.count !== undefined && (!Number.isSafeInteger(st.count) || st.count < 0)) out.push(`weight statistics count ${st.count} for '${st.name}'`);
    if (st.error && RAW_ERROR_TEXT.test(st.error)) out.push(`raw error text in weight statistics of '${st.name}': ${st.error.slice(0, 200)}`);
  }
  return out;
}
