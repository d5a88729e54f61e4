// Keras 3 layers-model topologies in the form @tensorflow/tfjs 4.x loads.
// Why our own code: tfjs-layers 4.22 reads only the Keras 2 topology format and fails on a
// Keras 3 model.json (measured: "An InputLayer should be passed either a `batchInputShape` or an
// `inputShape`", test/fixtures/tfjs/keras3-functional). Keras 3 renamed `batch_input_shape` to
// `batch_shape`, wraps dtypes in DTypePolicy objects and writes call arguments as
// {args: [{class_name: '__keras_tensor__', config: {keras_history: [layer, node, tensor]}}]}
// where Keras 2 wrote [[layer, node, tensor, kwargs]]. This rewrites those things (and ReLU
// layers with a slope or threshold, see reluVariants) on a copy, and leaves the rest as it is.

type Json = unknown;

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** True when the topology uses any Keras 3 form this module converts. */
export function isKeras3Topology(topology: Json): boolean {
  let found = false;
  const visit = (v: Json, depth: number): void => {
    if (found || depth > 200) return;
    if (Array.isArray(v)) v.forEach((x) => visit(x, depth + 1));
    else if (isObject(v)) {
      if (v.class_name === '__keras_tensor__' || 'batch_shape' in v || v.class_name === 'DTypePolicy') {
        found = true;
        return;
      }
      for (const x of Object.values(v)) visit(x, depth + 1);
    }
  };
  visit(topology, 0);
  return found;
}

/** Keras 3 call arguments → Keras 2 inbound node: every tensor in args, in order. */
function inboundNode(node: Json): Json {
  if (!isObject(node) || !('args' in node)) return node; // already Keras 2
  const refs: Json[] = [];
  const collect = (v: Json, depth: number): void => {
    if (depth > 50) return;
    if (Array.isArray(v)) v.forEach((x) => collect(x, depth + 1));
    else if (isObject(v) && v.class_name === '__keras_tensor__' && isObject(v.config) && Array.isArray(v.config.keras_history)) {
      const [layer, nodeIndex, tensorIndex] = v.config.keras_history as [string, number, number];
      refs.push([layer, nodeIndex, tensorIndex, {}]);
    }
  };
  collect(node.args, 0);
  return refs;
}

function convert(v: Json, depth: number): Json {
  if (depth > 200) return v;
  if (Array.isArray(v)) return v.map((x) => convert(x, depth + 1));
  if (!isObject(v)) return v;
  if (v.class_name === 'DTypePolicy' && isObject(v.config) && typeof v.config.name === 'string') return v.config.name;
  const out: Record<string, Json> = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === 'batch_shape' && !('batch_input_shape' in v)) out.batch_input_shape = convert(x, depth + 1);
    else if (k === 'inbound_nodes' && Array.isArray(x)) out.inbound_nodes = x.map((n) => inboundNode(n));
    else out[k] = convert(x, depth + 1);
  }
  return out;
}

/** Keras 3 Sequential configs list an InputLayer first; Keras 2 (and tfjs) put its shape on the
 *  first real layer instead, and a nested Sequential with its own InputLayer would be a
 *  disconnected second graph input in tfjs. */
function foldSequentialInput(v: Json, depth: number): Json {
  if (depth > 200) return v;
  if (Array.isArray(v)) return v.map((x) => foldSequentialInput(x, depth + 1));
  if (!isObject(v)) return v;
  const out: Record<string, Json> = {};
  for (const [k, x] of Object.entries(v)) out[k] = foldSequentialInput(x, depth + 1);
  const config = out.config;
  if (out.class_name === 'Sequential' && isObject(config) && Array.isArray(config.layers) && config.layers.length > 1) {
    const [first, second, ...rest] = config.layers as Json[];
    if (isObject(first) && first.class_name === 'InputLayer' && isObject(first.config) && isObject(second) && isObject(second.config)) {
      const shape = first.config.batch_input_shape;
      const secondConfig: Record<string, Json> = { ...second.config };
      if (shape !== undefined && secondConfig.batch_input_shape === undefined) secondConfig.batch_input_shape = shape;
      if (typeof first.config.dtype === 'string' && typeof secondConfig.dtype !== 'string') secondConfig.dtype = first.config.dtype;
      out.config = { ...config, layers: [{ ...second, config: secondConfig }, ...rest] };
    }
  }
  return out;
}

const MODEL_CLASSES = new Set(['Sequential', 'Functional', 'Model']);

/** tfjs counts a nested model's own construction as its node 0, so its first call in the outer
 *  graph is node 1 (Keras 3 numbers that call 0): shift references to nested models' outputs. */
function shiftNestedModelNodes(v: Json, depth: number): Json {
  if (depth > 200) return v;
  if (Array.isArray(v)) return v.map((x) => shiftNestedModelNodes(x, depth + 1));
  if (!isObject(v)) return v;
  const out: Record<string, Json> = {};
  for (const [k, x] of Object.entries(v)) out[k] = shiftNestedModelNodes(x, depth + 1);
  const config = out.config;
  if (typeof out.class_name === 'string' && MODEL_CLASSES.has(out.class_name) && out.class_name !== 'Sequential' && isObject(config) && Array.isArray(config.layers)) {
    const nested = new Set(
      (config.layers as Json[]).filter((l) => isObject(l) && typeof l.class_name === 'string' && MODEL_CLASSES.has(l.class_name)).map((l) => (l as Record<string, Json>).name ?? ((l as Record<string, Json>).config as Record<string, Json>)?.name),
    );
    if (nested.size) {
      const shift = (ref: Json): Json => (Array.isArray(ref) && nested.has(ref[0]) && typeof ref[1] === 'number' ? [ref[0], ref[1] + 1, ...ref.slice(2)] : ref);
      const layers = (config.layers as Json[]).map((l) => {
        if (!isObject(l) || !Array.isArray(l.inbound_nodes)) return l;
        return { ...l, inbound_nodes: l.inbound_nodes.map((n) => (Array.isArray(n) ? n.map(shift) : n)) };
      });
      out.config = { ...config, layers, output_layers: Array.isArray(config.output_layers) ? config.output_layers.map(shift) : config.output_layers };
    }
  }
  return out;
}

/** Keras' ReLU layer has negative_slope and threshold (Keras 2 and 3); tfjs-layers' ReLU reads
 *  only max_value and silently computes a plain ReLU (measured: ReLU(negative_slope=0.1) gives 0
 *  for negative inputs in tfjs 4.22). Those single-parameter forms are the layers tfjs does
 *  implement: LeakyReLU(alpha) and ThresholdedReLU(theta). Mixed forms are left as they are. */
function reluVariants(v: Json, depth: number): Json {
  if (depth > 200) return v;
  if (Array.isArray(v)) return v.map((x) => reluVariants(x, depth + 1));
  if (!isObject(v)) return v;
  const out: Record<string, Json> = {};
  for (const [k, x] of Object.entries(v)) out[k] = reluVariants(x, depth + 1);
  const c = out.config;
  if (out.class_name === 'ReLU' && isObject(c)) {
    const slope = typeof c.negative_slope === 'number' ? c.negative_slope : 0;
    const threshold = typeof c.threshold === 'number' ? c.threshold : 0;
    const noMax = c.max_value === null || c.max_value === undefined;
    const keep: Record<string, Json> = {};
    for (const k of ['name', 'trainable', 'dtype', 'batch_input_shape']) if (c[k] !== undefined && c[k] !== null) keep[k] = c[k];
    if (slope !== 0 && threshold === 0 && noMax) return { ...out, class_name: 'LeakyReLU', config: { ...keep, alpha: slope } };
    if (slope === 0 && threshold !== 0 && noMax) return { ...out, class_name: 'ThresholdedReLU', config: { ...keep, theta: threshold } };
  }
  return out;
}

export function toTfjsTopology(topology: Json): Json {
  const t = isKeras3Topology(topology) ? shiftNestedModelNodes(foldSequentialInput(convert(topology, 0), 0), 0) : topology;
  return reluVariants(t, 0);
}
