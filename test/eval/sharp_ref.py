#!/usr/bin/python3
"""Exact Hessian of a tiny MLP's loss, for seal's sharpness test (test/eval/sharpness.test.ts).

Reads one JSON object on stdin:

    {"x": [[...], ...] (N x D), "y": [...] (N ints),
     "params": {"w1": [[...]] (H x D), "b1": [...], "w2": [[...]] (C x H), "b2": [...]}}

The loss is mean cross-entropy of  w2 · tanh(w1 · x + b1) + b2  over the N rows, in float64.
Writes {"loss", "trace", "eigenvalues" (ascending), "dominant" (the eigenvalue of largest magnitude),
"size", "hessian" (size x size)} for the Hessian w.r.t. all parameters flattened in the order w1, b1, w2, b2.

Run it with Debian's python (/usr/bin/python3), which has torch 1.13.
"""
import json
import sys

import torch
import torch.nn.functional as F


def main():
    req = json.load(sys.stdin)
    f64 = torch.float64
    x = torch.tensor(req["x"], dtype=f64)
    y = torch.tensor(req["y"], dtype=torch.int64)
    names = ["w1", "b1", "w2", "b2"]
    ps = [torch.tensor(req["params"][n], dtype=f64) for n in names]
    shapes = [p.shape for p in ps]
    sizes = [p.numel() for p in ps]

    def loss_of(flat):
        w1, b1, w2, b2 = [t.reshape(s) for t, s in zip(torch.split(flat, sizes), shapes)]
        return F.cross_entropy(F.linear(torch.tanh(F.linear(x, w1, b1)), w2, b2), y)

    flat = torch.cat([p.reshape(-1) for p in ps])
    hess = torch.autograd.functional.hessian(loss_of, flat)
    hess = 0.5 * (hess + hess.T)  # symmetric up to rounding; eigvalsh reads one triangle anyway
    eig = torch.linalg.eigvalsh(hess)
    dominant = eig[torch.argmax(eig.abs())]
    json.dump({
        "loss": loss_of(flat).item(),
        "trace": torch.trace(hess).item(),
        "eigenvalues": eig.tolist(),
        "dominant": dominant.item(),
        "size": flat.numel(),
        "hessian": hess.tolist(),
    }, sys.stdout)


if __name__ == "__main__":
    main()
