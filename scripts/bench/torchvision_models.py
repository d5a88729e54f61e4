"""Exports torchvision ResNet-18 / ResNet-50 (random weights, seed 0, 224x224, dynamic batch) to ONNX
for `npm run bench`. No downloads: the weights are torchvision's random initialisation.

usage: /usr/bin/python3 scripts/bench/torchvision_models.py OUT_DIR resnet18 [resnet50 ...]
Each file is written under a temporary name and renamed, so a concurrent bench never reads half a file.
"""
import os
import sys

import torch
import torchvision


def export(name, out_dir):
    path = os.path.join(out_dir, f'{name}.onnx')
    if os.path.exists(path):
        return path
    torch.manual_seed(0)
    model = getattr(torchvision.models, name)().eval()
    tmp = f'{path}.{os.getpid()}.tmp'
    torch.onnx.export(model, torch.randn(1, 3, 224, 224), tmp, opset_version=13, input_names=['input'],
                      output_names=['logits'], dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}})
    os.replace(tmp, path)
    return path


if __name__ == '__main__':
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for n in sys.argv[2:]:
        print(export(n, out))
