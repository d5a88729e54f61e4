// Valid ONNX models that are hostile when run: a Loop of 2⁴⁰ iterations, ops whose constant output
// shapes need terabytes (or more memory than a run may use). Built with onnx-proto, a few hundred
// bytes each.
import { onnx } from 'onnx-proto';
import { floatTensor, valueInfo, writeModel } from './onnxBuild';

const INT64 = 7;
const BOOL = 9;

function int64Tensor(name: string, values: number[], dims = [values.length]): onnx.ITensorProto {
  return { name, dims, dataType: INT64, int64Data: values };
}

/** x [1, 4] → Loop(M = 2⁴⁰, cond = true) adding 1 each iteration → Relu. */
export function writeEndlessLoop(dir: string, name = 'loop.onnx'): string {
  const body: onnx.IGraphProto = {
    name: 'body',
    node: [
      { name: 'body_cond', opType: 'Identity', input: ['cond_in'], output: ['cond_out'] },
      { name: 'body_add', opType: 'Add', input: ['v_in', 'one'], output: ['v_out'] },
    ],
    initializer: [floatTensor('one', [1, 4], [1, 1, 1, 1])],
    input: [valueInfo('i', INT64, []), valueInfo('cond_in', BOOL, []), valueInfo('v_in', 1, [1, 4])],
    output: [valueInfo('cond_out', BOOL, []), valueInfo('v_out', 1, [1, 4])],
  };
  return writeModel(dir, name, {
    opset: 17,
    nodes: [
      { name: 'spin', opType: 'Loop', input: ['M', 'cond', 'x'], output: ['y'], attribute: [{ name: 'body', type: onnx.AttributeProto.AttributeType.GRAPH, g: body }] },
      { name: 'relu', opType: 'Relu', input: ['y'], output: ['z'] },
    ],
    initializers: [int64Tensor('M', [2 ** 40], []), { name: 'cond', dims: [], dataType: BOOL, int32Data: [1] }],
    inputs: [valueInfo('x', 1, [1, 4])],
    outputs: [valueInfo('z', 1, [1, 4])],
  });
}

/** x [1, 1, 1] → Expand to `shape` → Relu: the output needs shape's product × 4 bytes. */
export function writeExpandTo(dir: string, shape: number[], name = 'expand.onnx'): string {
  return writeModel(dir, name, {
    opset: 17,
    nodes: [
      { name: 'Expand_0', opType: 'Expand', input: ['x', 'shape'], output: ['e'] },
      { name: 'relu', opType: 'Relu', input: ['e'], output: ['z'] },
    ],
    initializers: [int64Tensor('shape', shape)],
    inputs: [valueInfo('x', 1, [1, 1, 1])],
    outputs: [{ name: 'z', type: { tensorType: { elemType: 1 } } }],
  });
}

/** x [1, 1, 4, 4] → Resize by scales [1, 1, 262144, 262144] (4 TiB) → Relu. */
export function writeResizeToTerabytes(dir: string, name = 'resize.onnx'): string {
  return writeModel(dir, name, {
    opset: 17,
    nodes: [
      { name: 'Resize_0', opType: 'Resize', input: ['x', '', 'scales'], output: ['e'], attribute: [{ name: 'mode', type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode('nearest') }] },
      { name: 'relu', opType: 'Relu', input: ['e'], output: ['z'] },
    ],
    initializers: [floatTensor('scales', [4], [1, 1, 262144, 262144])],
    inputs: [valueInfo('x', 1, [1, 1, 4, 4])],
    outputs: [{ name: 'z', type: { tensorType: { elemType: 1 } } }],
  });
}
