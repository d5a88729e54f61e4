"""What a PyTorch user would write to measure ReLU activations: forward hooks on every nn.ReLU of a
torchvision ResNet-18 that fold per-channel positive counts, zeros, min, max and moments into
running totals. Prints JSON: plain forward ms, forward-with-hooks ms (best of 3), dead channels.

usage: /usr/bin/python3 scripts/bench/torch_hooks.py SAMPLES BATCH THREADS
"""
import json
import sys
import time

import torch
import torchvision

samples, batch, threads = (int(a) for a in sys.argv[1:4])
torch.set_num_threads(threads)
torch.manual_seed(0)
model = torchvision.models.resnet18().eval()
x = torch.randn(samples, 3, 224, 224)
stats = {}


def hook(name):
    def fn(_module, _inputs, out):
        o = out.detach()
        s = stats.setdefault(name, {'pos': 0, 'zeros': 0, 'sum': 0.0, 'sq': 0.0, 'min': float('inf'), 'max': float('-inf'), 'n': 0})
        s['pos'] = s['pos'] + (o > 0).sum(dim=(0, 2, 3))
        s['zeros'] += int((o == 0).sum())
        s['sum'] += float(o.sum())
        s['sq'] += float((o * o).sum())
        s['min'] = min(s['min'], float(o.min()))
        s['max'] = max(s['max'], float(o.max()))
        s['n'] += o.numel()
        torch.histc(o, bins=64)
    return fn


def run_all():
    with torch.inference_mode():
        for i in range(0, samples, batch):
            model(x[i:i + batch])


def best(fn, rounds=3):
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return min(times)


run_all()  # warm-up
plain = best(run_all)
handles = [m.register_forward_hook(hook(n)) for n, m in model.named_modules() if isinstance(m, torch.nn.ReLU)]
hooked = best(run_all)
dead = sum(int((s['pos'] == 0).sum()) for s in stats.values())
print(json.dumps({'plainMs': plain, 'hooksMs': hooked, 'relus': len(handles), 'deadChannels': dead, 'torch': torch.__version__, 'threads': threads}))
