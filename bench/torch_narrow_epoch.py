"""One epoch of the narrow setting in PyTorch: CIFAR-stem ResNet-18 of width 0.25 on 5,000
Fashion-MNIST training images (500 per class), batch 64, random crop with 2-pixel zero
padding and horizontal flip, momentum SGD. The baseline of seal's narrow_cifar_epoch workload.

Usage: /usr/bin/python3 bench/torch_narrow_epoch.py THREADS [DEVICE] [channels_last|contiguous]
The layout defaults to channels_last, PyTorch's faster one for this model on the CPU.
Prints one JSON line: {"images", "seconds", "data_seconds", "images_per_s", "peak_rss_mb", "layout"}.
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'oracle'))
from torch_train_epoch import read_idx, timed_epoch  # noqa: E402
from train_ref import build_model  # noqa: E402

MEAN, STD, PAD, BATCH, PER_CLASS = 0.2860, 0.3530, 2, 64, 500


def subset(labels):
    """The first PER_CLASS images of each class, in file order (the same count seal trains on)."""
    keep = torch.cat([torch.nonzero(labels == c).flatten()[:PER_CLASS] for c in range(10)])
    return keep.sort().values


def main():
    threads = int(sys.argv[1])
    device = sys.argv[2] if len(sys.argv) > 2 else 'cpu'
    name = sys.argv[3] if len(sys.argv) > 3 else 'channels_last'
    layout = {'channels_last': torch.channels_last, 'contiguous': torch.contiguous_format}[name]
    if threads > 0:
        torch.set_num_threads(threads)
    images = torch.from_numpy(read_idx('train-images-idx3-ubyte.gz', 16).copy()).view(-1, 1, 28, 28)
    labels = torch.from_numpy(read_idx('train-labels-idx1-ubyte.gz', 8).astype('int64'))
    keep = subset(labels)
    images, labels = images[keep], labels[keep]
    torch.manual_seed(0)
    model = build_model({'depth': 18, 'stem': 'cifar', 'width': 0.25, 'inChannels': 1, 'numClasses': 10})
    model = model.to(device=device, memory_format=layout).train()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    print(json.dumps({**timed_epoch(model, opt, images, labels, device, BATCH, PAD, layout), 'layout': name}))


if __name__ == '__main__':
    main()
