// Shapes of every value of a layers-model: layer calls evaluated in dependency order from the
// model's input shapes (layerShapes.ts per call), nested models evaluated on the shapes they are
// called with, and the results written to the core graph as value infos (edges, layer table) and
// onto its outputs (inspect).
import type { Dim, DType, Graph, ValueInfo } from '../../core/model';
import { layerOutputShapes, type Shape, type ShapeSemantics } from './layerShapes';

export interface LayerCall {
  /** Input tensor names in call order. */
  inputs: string[];
  /** Output tensor names by output index; holes for outputs nothing refers to. */
  outputs: (string | undefined)[];
}

export interface ShapeStep {
  className: string;
  config: Record<string, unknown>;
  /** Element type of the layer's outputs. */
  dtype: DType;
  calls: LayerCall[];
  /** The nested model this layer is, if it is one. */
  model?: ShapeProgram;
}

/** What a (sub)model computes, in terms of tensor names of its graph. */
export interface ShapeProgram {
  graph: Graph;
  inputs: { name: string; shape: Shape }[];
  steps: ShapeStep[];
  outputs: string[];
  /** Shapes Keras wrote down for tensors (Keras 3 `__keras_tensor__` arguments). */
  recorded: Map<string, Shape>;
}

/** Layer calls evaluated per opened model, at most: hostile nesting (a model calling a nested model
 *  twice, 64 levels deep) could otherwise ask for 2^64 evaluations. */
const CALL_BUDGET = 2_000_000;

interface Run {
  semantics: ShapeSemantics;
  budget: number;
  /** Values of each nested program as first evaluated, for annotating its graph. */
  firstRun: Map<ShapeProgram, Map<string, Shape>>;
  memo: Map<ShapeProgram, Map<string, Map<string, Shape>>>;
}

/** A shape as read from a file: sizes that are not non-negative integers are unknown. */
export function cleanShape(s: unknown): Shape {
  if (!Array.isArray(s)) return undefined;
  return s.map((d): Dim => (typeof d === 'number' && Number.isSafeInteger(d) && d >= 0 ? d : typeof d === 'string' ? d : null));
}

function evaluate(p: ShapeProgram, given: Shape[] | undefined, run: Run): Map<string, Shape> {
  const key = JSON.stringify(given ?? null);
  let memo = run.memo.get(p);
  if (!memo) run.memo.set(p, (memo = new Map()));
  const cached = memo.get(key);
  if (cached) return cached;

  const values = new Map<string, Shape>();
  p.inputs.forEach((input, i) => values.set(input.name, given?.[i] ?? input.shape));

  interface Pending {
    step: ShapeStep;
    call: LayerCall;
    waiting: number;
  }
  const producer = new Map<string, Pending>();
  const pending: Pending[] = [];
  for (const step of p.steps) {
    for (const call of step.calls) {
      const item: Pending = { step, call, waiting: 0 };
      pending.push(item);
      for (const o of call.outputs) if (o !== undefined && !producer.has(o) && !values.has(o)) producer.set(o, item);
    }
  }
  // Calls wait for the calls producing their inputs (Keras lists a shared layer once, before
  // some of the layers its later calls read from).
  const consumers = new Map<Pending, Pending[]>();
  for (const item of pending) {
    for (const i of new Set(item.call.inputs)) {
      const from = producer.get(i);
      if (!from || from === item) continue;
      item.waiting++;
      if (!consumers.has(from)) consumers.set(from, []);
      (consumers.get(from) as Pending[]).push(item);
    }
  }
  const done = new Set<Pending>();
  const queue = pending.filter((x) => x.waiting === 0);
  const apply = (item: Pending) => {
    done.add(item);
    const inputs = item.call.inputs.map((n) => values.get(n));
    let outputs: Shape[] = [];
    if (run.budget > 0) {
      run.budget--;
      outputs = item.step.model ? nested(item.step.model, inputs, run) : layerOutputShapes(item.step.className, item.step.config, inputs, run.semantics);
      if (item.step.className === 'InputLayer' && !outputs[0]) outputs = [cleanShape(inputShapeOf(item.step.config))];
    }
    item.call.outputs.forEach((name, t) => {
      if (name === undefined || values.has(name)) return;
      values.set(name, p.recorded.get(name) ?? outputs[t]);
    });
  };
  for (let k = 0; k < queue.length; k++) {
    const item = queue[k];
    apply(item);
    for (const next of consumers.get(item) ?? []) if (--next.waiting === 0) queue.push(next);
  }
  // A cycle (a broken or hostile file): evaluate what is left with what is known.
  for (const item of pending) if (!done.has(item)) apply(item);
  memo.set(key, values);
  return values;
}

function inputShapeOf(config: Record<string, unknown>): unknown {
  const s = config.batch_input_shape ?? config.batch_shape;
  if (s !== undefined) return s;
  return Array.isArray(config.input_shape) ? [null, ...config.input_shape] : undefined;
}

function nested(model: ShapeProgram, inputs: Shape[], run: Run): Shape[] {
  const given = inputs.length === model.inputs.length ? inputs : undefined;
  const values = evaluate(model, given, run);
  if (!run.firstRun.has(model)) run.firstRun.set(model, values);
  return model.outputs.map((o) => values.get(o));
}

function annotate(p: ShapeProgram, values: Map<string, Shape>, run: Run): void {
  const g = p.graph;
  const outputNames = new Set(g.outputs.map((o) => o.name));
  const described = new Set(g.valueInfo.map((v) => v.name));
  for (const step of p.steps) {
    for (const call of step.calls) {
      for (const name of call.outputs) {
        const shape = name === undefined ? undefined : values.get(name);
        if (name === undefined || !shape || outputNames.has(name) || described.has(name)) continue;
        const info: ValueInfo = { name, dtype: step.dtype, shape };
        g.valueInfo.push(info);
        described.add(name);
      }
    }
    if (step.model) annotate(step.model, run.firstRun.get(step.model) ?? evaluate(step.model, undefined, run), run);
  }
  for (const o of g.outputs) if (!o.shape && values.get(o.name)) o.shape = values.get(o.name);
  for (const i of g.inputs) if (!i.shape && values.get(i.name)) i.shape = values.get(i.name);
}

/** Evaluates a model's shapes and writes them into its graph and every nested model's graph.
 *  Returns a warning when the evaluation stopped early (a hostile amount of nesting). */
export function annotateShapes(program: ShapeProgram, semantics: ShapeSemantics): string | undefined {
  const run: Run = { semantics, budget: CALL_BUDGET, firstRun: new Map(), memo: new Map() };
  annotate(program, evaluate(program, undefined, run), run);
  return run.budget > 0 ? undefined : `${program.graph.name}: layer output shapes not inferred past ${CALL_BUDGET.toLocaleString('en-US')} layer calls (nested models call each other too often)`;
}
