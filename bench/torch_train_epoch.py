"""One epoch of narrow ResNet-18 training on Fashion-MNIST in PyTorch: the same model, data,
augmentation (random crop with 4-pixel zero padding, horizontal flip), batch size and SGD
as `seal`'s train_epoch_fashion workload, for a side-by-side baseline.

Usage: /usr/bin/python3 bench/torch_train_epoch.py THREADS [DEVICE]
Prints one JSON line: {"images", "seconds", "data_seconds", "images_per_s", "peak_rss_mb"}.
"""
import gzip
import json
import os
import resource
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'test', 'oracle'))
from train_ref import build_model  # noqa: E402

ROOT = '/usr/share/datasets/fashion-mnist'
MEAN, STD, PAD, BATCH = 0.2860, 0.3530, 4, 128


def read_idx(name, offset):
    with gzip.open(os.path.join(ROOT, name)) as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


def batch(images, labels, idx, gen, pad=PAD, layout=torch.contiguous_format):
    x = images[idx].float().div_(255).sub_(MEAN).div_(STD)            # [B,1,28,28]
    b, _, h, w = x.shape
    x = F.pad(x, (pad, pad, pad, pad))
    dy = torch.randint(0, 2 * pad + 1, (b,), generator=gen)
    dx = torch.randint(0, 2 * pad + 1, (b,), generator=gen)
    rows = (dy[:, None] + torch.arange(h))[:, :, None]
    cols = (dx[:, None] + torch.arange(w))[:, None, :]
    x = x[torch.arange(b)[:, None, None], 0, rows, cols].unsqueeze(1)  # per-sample crops
    flip = torch.randint(0, 2, (b,), generator=gen).bool()
    x = torch.where(flip[:, None, None, None], x.flip(-1), x)
    return x.contiguous(memory_format=layout), labels[idx]


def timed_epoch(model, opt, images, labels, device, batch_size, pad=PAD, layout=torch.contiguous_format):
    """One shuffled epoch of SGD steps; the seconds it took, of which waiting for data, and the peak RSS."""
    gen = torch.Generator().manual_seed(0)
    order = torch.randperm(len(labels), generator=gen)
    sync = torch.cuda.synchronize if device.startswith('cuda') else (lambda: None)
    data_s = 0.0
    t0 = time.perf_counter()
    for start in range(0, len(order), batch_size):
        td = time.perf_counter()
        x, y = batch(images, labels, order[start:start + batch_size], gen, pad, layout)
        x, y = x.to(device), y.to(device)
        data_s += time.perf_counter() - td
        loss = F.cross_entropy(model(x), y, label_smoothing=0.1)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        loss.item()  # the seal loop reads every loss (divergence check, metrics)
    sync()
    seconds = time.perf_counter() - t0
    return {'images': len(labels), 'seconds': seconds, 'data_seconds': data_s, 'images_per_s': len(labels) / seconds,
            'peak_rss_mb': round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def main():
    threads = int(sys.argv[1])
    device = sys.argv[2] if len(sys.argv) > 2 else 'cpu'
    if threads > 0:
        torch.set_num_threads(threads)
    images = torch.from_numpy(read_idx('train-images-idx3-ubyte.gz', 16).copy()).view(-1, 1, 28, 28)
    labels = torch.from_numpy(read_idx('train-labels-idx1-ubyte.gz', 8).astype(np.int64))
    torch.manual_seed(0)
    model = build_model({'depth': 18, 'stem': 'imagenet', 'width': 0.25, 'inChannels': 1, 'numClasses': 10}).to(device).train()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    print(json.dumps(timed_epoch(model, opt, images, labels, device, BATCH)))


if __name__ == '__main__':
    main()
