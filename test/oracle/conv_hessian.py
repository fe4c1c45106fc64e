#!/usr/bin/python3
"""Exact Hessian of a tiny convolutional net's loss, for seal's convolution double-backward test
(test/eval/conv-hessian.test.ts).

Reads one JSON object on stdin: {"x": flat N*2*6*6 values, "y": N ints, "params": {"w1", "b1",
"w2", "w3", "b3": flat values}}. The net, in float64:
    conv(2->3, 3x3, stride 2, padding 1, bias) -> tanh -> conv(3->4, 3x3, stride 1, padding 2,
    dilation 2, no bias) -> tanh -> mean over H, W -> linear(4->3) -> mean cross-entropy.
Writes {"loss", "size", "hessian" (size x size)}: the Hessian w.r.t. the parameters flattened in the
order w1, b1, w2, w3, b3, by PyTorch's own autograd (libtorch's convolution double backward).

Run it with Debian's python (/usr/bin/python3), which has torch 1.13.
"""
import json
import sys

import torch
import torch.nn.functional as F

SHAPES = {'w1': (3, 2, 3, 3), 'b1': (3,), 'w2': (4, 3, 3, 3), 'w3': (3, 4), 'b3': (3,)}


def main():
    req = json.load(sys.stdin)
    f64 = torch.float64
    x = torch.tensor(req['x'], dtype=f64).reshape(-1, 2, 6, 6)
    y = torch.tensor(req['y'], dtype=torch.int64)
    names = list(SHAPES)
    sizes = [torch.Size(SHAPES[n]).numel() for n in names]

    def loss_of(flat):
        w1, b1, w2, w3, b3 = [t.reshape(SHAPES[n]) for t, n in zip(torch.split(flat, sizes), names)]
        h = torch.tanh(F.conv2d(x, w1, b1, stride=2, padding=1))
        h = torch.tanh(F.conv2d(h, w2, None, stride=1, padding=2, dilation=2))
        return F.cross_entropy(F.linear(h.mean((2, 3)), w3, b3), y)

    flat = torch.cat([torch.tensor(req['params'][n], dtype=f64) for n in names])
    hess = torch.autograd.functional.hessian(loss_of, flat)
    json.dump({'loss': loss_of(flat).item(), 'size': flat.numel(), 'hessian': hess.tolist()}, sys.stdout)


if __name__ == '__main__':
    main()
