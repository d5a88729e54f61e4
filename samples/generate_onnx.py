#!/usr/bin/python3
"""Writes the small sample ONNX models used by `npm start` and the integration/UI tests.

Run with Debian's python3-onnx:  /usr/bin/python3 samples/generate_onnx.py
The weights are random but seeded, so re-running reproduces the committed files byte for byte.
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
OPSET = [helper.make_opsetid("", 13)]


def init(name, array):
    return numpy_helper.from_array(np.asarray(array, dtype=np.float32), name)


def save(model, name):
    # Record every intermediate tensor's shape, as exporters usually do, so viewers can show them.
    model = onnx.shape_inference.infer_shapes(model, strict_mode=True)
    onnx.checker.check_model(model)
    path = os.path.join(HERE, name)
    onnx.save(model, path)
    print(f"{name}: {os.path.getsize(path)} bytes, {len(model.graph.node)} nodes")


def convnet(rng):
    """A small image classifier: two Conv/BatchNorm/Relu/MaxPool blocks, then Flatten/Gemm/Softmax."""
    inits, nodes = [], []

    def block(i, x, cin, cout):
        w, b = f"conv{i}.weight", f"conv{i}.bias"
        inits.append(init(w, rng.normal(0, np.sqrt(2 / (cin * 9)), (cout, cin, 3, 3))))
        inits.append(init(b, np.zeros(cout)))
        scale, shift, mean, var = (f"bn{i}.{k}" for k in ("scale", "bias", "mean", "var"))
        inits.extend([init(scale, rng.uniform(0.5, 1.5, cout)), init(shift, rng.normal(0, 0.1, cout)),
                      init(mean, rng.normal(0, 0.1, cout)), init(var, rng.uniform(0.5, 1.5, cout))])
        nodes.append(helper.make_node("Conv", [x, w, b], [f"conv{i}"], name=f"conv{i}",
                                      kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1]))
        nodes.append(helper.make_node("BatchNormalization", [f"conv{i}", scale, shift, mean, var],
                                      [f"bn{i}"], name=f"bn{i}", epsilon=1e-5))
        nodes.append(helper.make_node("Relu", [f"bn{i}"], [f"relu{i}"], name=f"relu{i}"))
        nodes.append(helper.make_node("MaxPool", [f"relu{i}"], [f"pool{i}"], name=f"pool{i}",
                                      kernel_shape=[2, 2], strides=[2, 2]))
        return f"pool{i}"

    x = block(1, "image", 3, 8)
    x = block(2, x, 8, 16)
    nodes.append(helper.make_node("Flatten", [x], ["flat"], name="flatten", axis=1))
    inits += [init("fc.weight", rng.normal(0, np.sqrt(1 / 256), (256, 10))), init("fc.bias", np.zeros(10))]
    nodes.append(helper.make_node("Gemm", ["flat", "fc.weight", "fc.bias"], ["logits"], name="fc"))
    nodes.append(helper.make_node("Softmax", ["logits"], ["probabilities"], name="softmax", axis=1))
    graph = helper.make_graph(
        nodes, "convnet",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", 3, 16, 16])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", 10])],
        inits)
    return helper.make_model(graph, opset_imports=OPSET, producer_name="activation-lens-samples",
                             doc_string="Sample 16x16 RGB classifier with random weights.")


def mlp(rng, name, dead_bias=0.0):
    """A 64-32-16-4 multilayer perceptron with Relu hidden layers and a Sigmoid output.

    With dead_bias < 0, half of the first hidden layer's units get a strongly negative bias, so
    they never fire on inputs of ordinary scale: a model with dying ReLUs to find.
    """
    sizes = [64, 32, 16, 4]
    inits, nodes, x = [], [], "features"
    for i, (cin, cout) in enumerate(zip(sizes, sizes[1:]), start=1):
        bias = np.zeros(cout)
        if i == 1 and dead_bias:
            bias[: cout // 2] = dead_bias
        inits += [init(f"dense{i}.weight", rng.normal(0, np.sqrt(2 / cin), (cin, cout))), init(f"dense{i}.bias", bias)]
        nodes.append(helper.make_node("Gemm", [x, f"dense{i}.weight", f"dense{i}.bias"], [f"dense{i}"], name=f"dense{i}"))
        last = i == len(sizes) - 1
        op = "Sigmoid" if last else "Relu"
        out = "scores" if last else f"{op.lower()}{i}"
        nodes.append(helper.make_node(op, [f"dense{i}"], [out], name=f"{op.lower()}{i}"))
        x = out
    graph = helper.make_graph(
        nodes, name,
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["batch", 64])],
        [helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["batch", 4])],
        inits)
    return helper.make_model(graph, opset_imports=OPSET, producer_name="activation-lens-samples")


if __name__ == "__main__":
    save(convnet(np.random.default_rng(1)), "convnet.onnx")
    save(mlp(np.random.default_rng(2), "mlp"), "mlp.onnx")
    save(mlp(np.random.default_rng(3), "dead_relu_mlp", dead_bias=-20.0), "dead_relu_mlp.onnx")
