"""The same workloads as bench/workloads.ts, in PyTorch, for a side-by-side baseline.

Usage: /usr/bin/python3 bench/torch_bench.py NAME THREADS STEPS WARMUP [DEVICE]
Prints one JSON line: {"ms": median step ms, "steps": [...], "peak_rss_mb": ...}.
"""
import json
import resource
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class BasicBlock(nn.Module):
    def __init__(self, cin, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or cin != planes:
            self.downsample = nn.Sequential(nn.Conv2d(cin, planes, 1, stride, 0, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(out + (self.downsample(x) if self.downsample is not None else x))


class ResNet18Cifar(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        cin = 64
        for i, planes in enumerate([64, 128, 256, 512]):
            blocks = []
            for b in range(2):
                blocks.append(BasicBlock(cin, planes, 2 if b == 0 and i > 0 else 1))
                cin = planes
            setattr(self, f"layer{i + 1}", nn.Sequential(*blocks))
        self.fc = nn.Linear(512, classes)

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        for i in range(4):
            y = getattr(self, f"layer{i + 1}")(y)
        return self.fc(F.adaptive_avg_pool2d(y, 1).flatten(1))


class SmallCnn(nn.Module):
    def __init__(self, cin=1, c=32, size=28, classes=10):
        super().__init__()
        self.convs = nn.ModuleList([nn.Conv2d(cin if i == 0 else c, c, 3, 1, 1, bias=False) for i in range(4)])
        self.bns = nn.ModuleList([nn.BatchNorm2d(c) for _ in range(4)])
        self.fc = nn.Linear(c * (size // 4) ** 2, classes)

    def forward(self, x):
        for i in range(4):
            x = F.relu(self.bns[i](self.convs[i](x)))
            if i in (1, 3):
                x = F.max_pool2d(x, 2)
        return self.fc(x.flatten(1))


def main():
    name, threads, steps, warmup = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    device = sys.argv[5] if len(sys.argv) > 5 else "cpu"
    if threads > 0:
        torch.set_num_threads(threads)
    torch.manual_seed(0)
    # The GPU arithmetic seal trains with by default: float32 without TF32, cuDNN benchmark mode.
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.benchmark = True
    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)
    flops = 0
    if name == "matmul_2048":
        a = torch.randn(2048, 2048, device=device)
        b = torch.randn(2048, 2048, device=device)
        flops = 2 * 2048 ** 3

        def step():
            a @ b
    else:
        if name == "resnet18_cifar":
            model, shape = ResNet18Cifar(), (64, 3, 32, 32)
        elif name == "small_cnn":
            model, shape = SmallCnn(), (128, 1, 28, 28)
        else:
            raise SystemExit(f"unknown workload {name!r}")
        model = model.to(device).train()
        x = torch.randn(*shape, device=device)
        y = torch.randint(0, 10, (shape[0],), device=device)
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)

        def step():
            opt.zero_grad(set_to_none=True)
            F.cross_entropy(model(x), y).backward()
            opt.step()

    for _ in range(warmup):
        step()
    sync()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        step()
        sync()
        times.append((time.perf_counter() - t0) * 1000)
    ms = statistics.median(times)
    out = {"ms": ms, "steps": [round(t, 1) for t in times], "threads": torch.get_num_threads(),
           "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}
    if flops:
        out["gflops"] = round(flops / (ms / 1000) / 1e9)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
