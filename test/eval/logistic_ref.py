"""Independent optimum for test/eval/logistic.test.ts: L2-regularised multinomial logistic
regression solved by torch.optim.LBFGS (strong Wolfe line search) in float64.

stdin: {"x": [[...], ...] (N x D), "y": [N ints], "classes": C, "l2": lambda}
stdout: {"loss": f, "theta": [[...]] ((D+1) x C, bias last), "grad_norm": |grad f|}
objective: mean cross-entropy(x W + b, y) + (l2 / 2) * |W|^2 (bias not penalised).
Run with Debian's /usr/bin/python3 (python3-torch)."""
import json
import sys

import torch

req = json.load(sys.stdin)
x = torch.tensor(req["x"], dtype=torch.float64)
y = torch.tensor(req["y"], dtype=torch.int64)
n, d = x.shape
c, l2 = int(req["classes"]), float(req["l2"])
w = torch.zeros(d, c, dtype=torch.float64, requires_grad=True)
b = torch.zeros(c, dtype=torch.float64, requires_grad=True)


def objective():
    return torch.nn.functional.cross_entropy(x @ w + b, y) + 0.5 * l2 * (w * w).sum()


opt = torch.optim.LBFGS([w, b], lr=1, max_iter=5000, max_eval=10000, history_size=20,
                        tolerance_grad=1e-13, tolerance_change=1e-16, line_search_fn="strong_wolfe")


def closure():
    opt.zero_grad()
    f = objective()
    f.backward()
    return f


for _ in range(5):
    opt.step(closure)
f = objective()
gw, gb = torch.autograd.grad(f, [w, b])
print(json.dumps({
    "loss": f.item(),
    "theta": torch.cat([w.detach(), b.detach()[None]], 0).tolist(),
    "grad_norm": torch.cat([gw.flatten(), gb]).norm().item(),
}))
