#!/usr/bin/python3
"""Reference summaries of ONNX models, computed by the reference Python onnx library.

Usage: /usr/bin/python3 scripts/reference/onnx_reference.py ROOT OUT.json
Writes, for every model.onnx under ROOT (path relative to ROOT), the fields `activation-lens
inspect --json` reports, so the unit tests can compare our reader against onnx's own.
"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto


def dtype_name(code):
    try:
        return TensorProto.DataType.Name(code).lower()
    except ValueError:
        return f"dtype({code})"


def dims(shape):
    out = []
    for d in shape.dim:
        which = d.WhichOneof("value")
        if which == "dim_param":
            out.append(d.dim_param)
        elif which == "dim_value":
            out.append(d.dim_value)
        else:
            out.append(None)
    return out


def type_string(t):
    which = t.WhichOneof("value")
    if which == "tensor_type":
        s = f"tensor({dtype_name(t.tensor_type.elem_type)})"
        if t.tensor_type.HasField("shape"):
            s += "[" + ",".join("?" if d is None else str(d) for d in dims(t.tensor_type.shape)) + "]"
        return s
    if which == "sequence_type":
        return f"seq({type_string(t.sequence_type.elem_type)})"
    if which == "map_type":
        return f"map({dtype_name(t.map_type.key_type)},{type_string(t.map_type.value_type)})"
    if which == "optional_type":
        return f"optional({type_string(t.optional_type.elem_type)})"
    if which == "sparse_tensor_type":
        return f"sparse_tensor({dtype_name(t.sparse_tensor_type.elem_type)})"
    return "?"


def value_info(v):
    t = v.type
    if t.WhichOneof("value") == "tensor_type":
        shape = dims(t.tensor_type.shape) if t.tensor_type.HasField("shape") else None
        return {"name": v.name, "dtype": dtype_name(t.tensor_type.elem_type), "shape": shape}
    return {"name": v.name, "dtype": type_string(t), "shape": None}


def count_all(nodes):
    n = len(nodes)
    for node in nodes:
        for a in node.attribute:
            if a.type == onnx.AttributeProto.GRAPH or a.HasField("g"):
                n += count_all(a.g.node)
            for g in a.graphs:
                n += count_all(g.node)
    return n


def summary(path):
    m = onnx.load(path, load_external_data=False)
    g = m.graph
    init_names = {t.name for t in g.initializer} | {s.values.name for s in g.sparse_initializer}
    ops = {}
    for n in g.node:
        ops[n.op_type] = ops.get(n.op_type, 0) + 1
    return {
        "format": "onnx",
        "producer": m.producer_name,
        "producerVersion": m.producer_version,
        "irVersion": m.ir_version,
        "opsets": {("" if o.domain == "ai.onnx" else o.domain): o.version for o in m.opset_import},
        "inputs": [value_info(v) for v in g.input if v.name not in init_names],
        "outputs": [value_info(v) for v in g.output],
        "nodeCount": len(g.node),
        "nodeCountAll": count_all(g.node) + sum(count_all(f.node) for f in m.functions),
        "ops": ops,
        "parameters": int(sum(int(np.prod(t.dims, dtype=np.int64)) for t in g.initializer)),
        "initializers": len(g.initializer),
    }


def main():
    root, out = sys.argv[1], sys.argv[2]
    result = {}
    for dirpath, _, files in sorted(os.walk(root)):
        for f in sorted(files):
            if f.endswith(".onnx"):
                p = os.path.join(dirpath, f)
                try:
                    result[os.path.relpath(p, root)] = summary(p)
                except Exception as e:  # the reference itself cannot read it
                    result[os.path.relpath(p, root)] = {"error": str(e)}
    with open(out, "w") as fh:
        json.dump(result, fh, indent=0, sort_keys=True)
    print(f"{len(result)} models -> {out}")


if __name__ == "__main__":
    main()
