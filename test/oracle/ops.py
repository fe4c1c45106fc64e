#!/usr/bin/python3
"""PyTorch oracle for seal's differential tests.

Reads one JSON request on stdin, a list of cases (or {"cases": [...]}):

    {"op": "conv2d",
     "inputs": [{"shape": [2, 3, 5, 5], "dtype": "float32", "data": [...], "requiresGrad": true,
                 "memoryFormat": "channels_last"}, ...],          # memoryFormat optional
     "params": {...},
     "gradOut": {"shape": [...], "data": [...]}}          # optional

and writes one JSON object per case, in order:

    {"outputs": [{"shape": [...], "dtype": "float32", "data": [...]}, ...],
     "grads": [{"shape": [...], "dtype": ..., "data": [...]} | null, ...]}   # one slot per input
    or {"error": "..."}

Gradients are d/d(input) of sum(outputs[0] * gradOut) for every input with requiresGrad.
Values travel as JSON doubles: a float32 value is exactly representable as a double, and
torch.tensor(values, dtype=float32) rounds nothing. Non-finite numbers and -0 travel as the strings
"nan", "inf", "-inf" and "-0" (JSON has no literal for the first three; JS writes -0 as 0).

Run it with Debian's python (/usr/bin/python3), which has torch 1.13.
"""
import json
import math
import sys
import traceback

import torch
import torch.nn.functional as F

import safe_conv  # the script's own folder is on sys.path

DTYPES = {
    'float32': torch.float32, 'float64': torch.float64, 'float16': torch.float16,
    'bfloat16': torch.bfloat16, 'int64': torch.int64, 'int32': torch.int32,
    'int16': torch.int16, 'int8': torch.int8, 'uint8': torch.uint8, 'bool': torch.bool,
}
NAMES = {v: k for k, v in DTYPES.items()}


def dec(v):
    if isinstance(v, str):
        return float(v)  # 'nan', 'inf', '-inf', '-0'
    return v


SPECIAL = ('nan', 'inf', '-inf', '-0')


def dec_params(v):
    """Params travel like data: special numbers as strings (a scalar operand may be -0)."""
    if isinstance(v, str) and v in SPECIAL:
        return float(v)
    if isinstance(v, list):
        return [dec_params(x) for x in v]
    if isinstance(v, dict):
        return {k: dec_params(x) for k, x in v.items()}
    return v


def enc(v):
    if isinstance(v, float) and not math.isfinite(v):
        return 'nan' if math.isnan(v) else ('inf' if v > 0 else '-inf')
    return v


def make(spec):
    dt = DTYPES[spec['dtype']]
    data = [dec(v) for v in spec['data']]
    if dt == torch.bool:
        data = [bool(v) for v in data]
    t = torch.tensor(data, dtype=dt).reshape(spec['shape'])
    if spec.get('memoryFormat') == 'channels_last':
        t = t.contiguous(memory_format=torch.channels_last)
    if spec.get('requiresGrad'):
        t.requires_grad_(True)
    return t


def out(t):
    t = t.detach()
    name = NAMES[t.dtype]
    if t.dtype in (torch.float16, torch.bfloat16):
        t = t.float()  # exact widening, as seal's toArray()
    elif t.dtype == torch.bool:
        t = t.to(torch.int64)
    flat = t.reshape(-1).tolist()  # logical (NCHW) order whatever the layout
    r = {'shape': list(t.shape), 'dtype': name, 'data': [enc(v) for v in flat]}
    if t.dim() == 4:
        r['layout'] = [t.is_contiguous(), t.is_contiguous(memory_format=torch.channels_last)]
    return r


def scalar_or(x, p):
    return p['scalar'] if 'scalar' in p else x[1]


def dims(p):
    return p.get('dims')


def reduce_all_or(fn_all, fn_dims):
    def run(x, p):
        if dims(p) is None:
            return fn_all(x[0])
        return fn_dims(x[0], dims(p), p.get('keepdim', False))
    return run


def op_var(x, p):
    c = p.get('correction', 1)
    if dims(p) is None:
        return torch.var(x[0], dim=None, correction=c)
    return torch.var(x[0], dim=dims(p), correction=c, keepdim=p.get('keepdim', False))


def op_batch_norm(x, p):
    """inputs: x, then weight and bias when p['affine'], then running mean and var when p['stats']."""
    rest = iter(x[1:])
    w = b = rm = rv = None
    if p.get('affine', True):
        w, b = next(rest), next(rest)
    if p.get('stats', True):
        rm, rv = next(rest), next(rest)
    y = F.batch_norm(x[0], rm, rv, w, b, training=p['training'], momentum=p.get('momentum', 0.1), eps=p.get('eps', 1e-5))
    outs = [y]
    if rm is not None:
        outs += [rm, rv]  # updated in place in training mode
    return outs


def op_pad(x, p):
    mode = p.get('mode', 'constant')
    if mode == 'constant':
        return F.pad(x[0], p['pads'], mode='constant', value=p.get('value', 0.0))
    return F.pad(x[0], p['pads'], mode=mode)


def op_cross_entropy(x, p):
    weight = x[2] if len(x) > 2 else None
    return F.cross_entropy(x[0], x[1], weight=weight, ignore_index=p.get('ignoreIndex', -100),
                           reduction=p.get('reduction', 'mean'), label_smoothing=p.get('labelSmoothing', 0.0))


def op_to(x, p):
    return x[0].to(DTYPES[p['dtype']])


def mlp_loss(x, w1, b1, w2, b2):
    h = torch.tanh(F.linear(x, w1, b1))
    o = F.linear(h, w2, b2)
    return (torch.tanh(o) * o).sum()


def op_mlp_hvp(x, p):
    """Hessian-vector product of mlp_loss w.r.t. (w1, b1, w2, b2) along (v1, v2, v3, v4)."""
    data, w1, b1, w2, b2, v1, v2, v3, v4 = x
    params = [t.detach().requires_grad_(True) for t in (w1, b1, w2, b2)]
    loss = mlp_loss(data, *params)
    g = torch.autograd.grad(loss, params, create_graph=True)
    gv = sum((gi * vi).sum() for gi, vi in zip(g, (v1, v2, v3, v4)))
    hv = torch.autograd.grad(gv, params)
    return [loss] + list(g) + list(hv)


def op_sgd(x, p):
    """torch.optim.SGD over parameter groups for several steps.

    inputs: the initial parameters (p['nParams']), then per step and per parameter the
    coefficients a, b of loss = sum(a * p^2 + b * p). p['used'][step][i] false keeps that
    parameter out of the loss in that step: with p['zeroGrad'][step] its gradient is zeroed in
    place (defined and zero, so SGD still applies decay and momentum), otherwise set to None
    (so SGD skips it).
    Returns every parameter after every step, then the final momentum buffers (zeros where none).
    """
    n = p['nParams']
    params = [t.detach().clone().requires_grad_(True) for t in x[:n]]
    coef = x[n:]
    groups = []
    for g in p['groups']:
        groups.append({'params': [params[i] for i in g['params']], 'lr': abs(g['lr'])})
    opt = torch.optim.SGD(groups, lr=0.1, momentum=p['momentum'], dampening=p.get('dampening', 0.0),
                          weight_decay=p['weightDecay'], nesterov=p.get('nesterov', False))
    # torch.optim.SGD refuses a negative lr at construction; its step() uses whatever the group holds.
    for pg, g in zip(opt.param_groups, p['groups']):
        pg['lr'] = g['lr']
    outs = []
    for s in range(p['steps']):
        for q in params:
            if p.get('zeroGrad', [False] * p['steps'])[s] and q.grad is not None:
                q.grad.zero_()  # as optimizer.zero_grad(set_to_none=False)
            else:
                q.grad = None
        loss = 0
        for i, q in enumerate(params):
            if not p['used'][s][i]:
                continue
            a = coef[(s * n + i) * 2]
            b = coef[(s * n + i) * 2 + 1]
            loss = loss + (a * q * q + b * q).sum()
        loss.backward()
        opt.step()
        outs += [q.detach().clone() for q in params]
    for q in params:
        st = opt.state.get(q, {})
        buf = st.get('momentum_buffer')
        outs.append(buf.clone() if buf is not None else torch.zeros_like(q))
    return outs


def op_gen(x, p):
    """Random draws from torch.Generator().manual_seed(seed) (or the default generator)."""
    if p.get('default'):
        torch.manual_seed(p['seed'])
        g = None
    else:
        g = torch.Generator().manual_seed(p['seed'])
    outs = []
    for d in p['draws']:
        k = d['kind']
        dt = DTYPES[d.get('dtype', 'float32')]
        if k == 'randn':
            outs.append(torch.randn(d['shape'], generator=g, dtype=dt))
        elif k == 'rand':
            outs.append(torch.rand(d['shape'], generator=g, dtype=dt))
        elif k == 'uniform':
            outs.append(torch.empty(d['shape'], dtype=dt).uniform_(d['low'], d['high'], generator=g))
        elif k == 'normal':
            outs.append(torch.empty(d['shape'], dtype=dt).normal_(d['mean'], d['std'], generator=g))
        elif k == 'randint':
            outs.append(torch.randint(d['low'], d['high'], d['shape'], generator=g))
        elif k == 'randperm':
            outs.append(torch.randperm(d['n'], generator=g))
        elif k == 'state':
            st = g.get_state() if g is not None else torch.get_rng_state()
            outs.append(st.to(torch.int64))
        else:
            raise ValueError('unknown draw ' + k)
    return outs


OPS = {
    # binary arithmetic, tensor or scalar second operand
    'add': lambda x, p: torch.add(x[0], scalar_or(x, p)),
    'sub': lambda x, p: torch.sub(x[0], scalar_or(x, p)),
    'mul': lambda x, p: torch.mul(x[0], scalar_or(x, p)),
    'div': lambda x, p: torch.div(x[0], scalar_or(x, p)),
    'pow': lambda x, p: torch.pow(x[0], scalar_or(x, p)),
    # unary
    'neg': lambda x, p: torch.neg(x[0]),
    'exp': lambda x, p: torch.exp(x[0]),
    'log': lambda x, p: torch.log(x[0]),
    'sqrt': lambda x, p: torch.sqrt(x[0]),
    'rsqrt': lambda x, p: torch.rsqrt(x[0]),
    'abs': lambda x, p: torch.abs(x[0]),
    'square': lambda x, p: torch.square(x[0]),
    'sigmoid': lambda x, p: torch.sigmoid(x[0]),
    'tanh': lambda x, p: torch.tanh(x[0]),
    'relu': lambda x, p: torch.relu(x[0]),
    'clamp': lambda x, p: torch.clamp(x[0], p.get('min'), p.get('max')),
    # comparisons
    'eq': lambda x, p: torch.eq(x[0], scalar_or(x, p)),
    'ne': lambda x, p: torch.ne(x[0], scalar_or(x, p)),
    'lt': lambda x, p: torch.lt(x[0], scalar_or(x, p)),
    'le': lambda x, p: torch.le(x[0], scalar_or(x, p)),
    'gt': lambda x, p: torch.gt(x[0], scalar_or(x, p)),
    'ge': lambda x, p: torch.ge(x[0], scalar_or(x, p)),
    'where': lambda x, p: torch.where(x[0], x[1], x[2]),
    'maximum': lambda x, p: torch.maximum(x[0], x[1]),
    'minimum': lambda x, p: torch.minimum(x[0], x[1]),
    # reductions
    'sum': reduce_all_or(torch.sum, lambda t, d, k: torch.sum(t, d, keepdim=k)),
    'mean': reduce_all_or(torch.mean, lambda t, d, k: torch.mean(t, d, keepdim=k)),
    'var': op_var,
    'max': lambda x, p: torch.max(x[0]),
    'min': lambda x, p: torch.min(x[0]),
    'maxAlong': lambda x, p: list(torch.max(x[0], p['dim'], keepdim=p.get('keepdim', False))),
    'minAlong': lambda x, p: list(torch.min(x[0], p['dim'], keepdim=p.get('keepdim', False))),
    'argmax': lambda x, p: torch.argmax(x[0], p.get('dim'), keepdim=p.get('keepdim', False)),
    'topk': lambda x, p: list(torch.topk(x[0], p['k'], p.get('dim', -1), p.get('largest', True), True)),
    'sort': lambda x, p: list(torch.sort(x[0], p.get('dim', -1), p.get('descending', False))),
    'softmax': lambda x, p: torch.softmax(x[0], p['dim']),
    'logSoftmax': lambda x, p: torch.log_softmax(x[0], p['dim']),
    'logsumexp': lambda x, p: torch.logsumexp(x[0], p['dims'], keepdim=p.get('keepdim', False)),
    'norm': lambda x, p: torch.linalg.vector_norm(x[0], ord=p['p'], dim=dims(p), keepdim=p.get('keepdim', False)),
    'cdist': lambda x, p: torch.cdist(x[0], x[1], p=p['p']),
    # linear algebra and layers
    'matmul': lambda x, p: torch.matmul(x[0], x[1]),
    'linear': lambda x, p: F.linear(x[0], x[1], x[2] if len(x) > 2 else None),
    'conv2d': lambda x, p: safe_conv.conv2d(x[0], x[1], x[2] if len(x) > 2 else None, p.get('stride', 1),
                                            p.get('padding', 0), p.get('dilation', 1), p.get('groups', 1)),
    'batchNorm': op_batch_norm,
    'maxPool2d': lambda x, p: F.max_pool2d(x[0], p['kernel'], p.get('stride') or p['kernel'], p.get('padding', 0),
                                           p.get('dilation', 1), p.get('ceilMode', False)),
    'avgPool2d': lambda x, p: F.avg_pool2d(x[0], p['kernel'], p.get('stride') or p['kernel'], p.get('padding', 0)),
    'adaptiveAvgPool2d': lambda x, p: F.adaptive_avg_pool2d(x[0], p['out']),
    'interpolate': lambda x, p: F.interpolate(x[0], size=p['size'], mode=p['mode'], **({'align_corners': False} if p['mode'] == 'bilinear' else {})),
    'crossEntropy': op_cross_entropy,
    'nllLoss': lambda x, p: F.nll_loss(x[0], x[1], reduction=p.get('reduction', 'mean')),
    # shapes and indexing
    'reshape': lambda x, p: torch.reshape(x[0], p['shape']),
    'flatten': lambda x, p: torch.flatten(x[0], p.get('start', 0), p.get('end', -1)),
    'permute': lambda x, p: x[0].permute(p['dims']),
    'transpose': lambda x, p: torch.transpose(x[0], p['d0'], p['d1']),
    'expand': lambda x, p: x[0].expand(p['shape']),
    'squeeze': lambda x, p: torch.squeeze(x[0], p['dim']),
    'unsqueeze': lambda x, p: torch.unsqueeze(x[0], p['dim']),
    'cat': lambda x, p: torch.cat(x, p.get('dim', 0)),
    'stack': lambda x, p: torch.stack(x, p.get('dim', 0)),
    'indexSelect': lambda x, p: torch.index_select(x[0], p['dim'], x[1]),
    'gather': lambda x, p: torch.gather(x[0], p['dim'], x[1]),
    'narrow': lambda x, p: torch.narrow(x[0], p['dim'], p['start'], p['length']),
    'flip': lambda x, p: torch.flip(x[0], p['dims']),
    'pad': op_pad,
    'oneHot': lambda x, p: F.one_hot(x[0], p['classes']),
    'to': op_to,
    # composite checks
    'mlpHvp': op_mlp_hvp,
    'sgd': op_sgd,
    'gen': op_gen,
}


def run_case(case):
    inputs = [make(s) for s in case.get('inputs', [])]
    params = dec_params(case.get('params') or {})
    if params.get('autocast'):
        with torch.autocast('cpu', dtype=DTYPES[params['autocast']]):
            res = OPS[case['op']](inputs, params)
    else:
        res = OPS[case['op']](inputs, params)
    outs = list(res) if isinstance(res, (list, tuple)) else [res]
    result = {'outputs': [out(o) for o in outs]}
    go = case.get('gradOut')
    wants = [t for t in inputs if t.requires_grad]
    if go is not None and wants:
        y = outs[0]
        g = torch.tensor([dec(v) for v in go['data']], dtype=y.dtype).reshape(go['shape'])
        grads = torch.autograd.grad((y * g).sum(), wants, allow_unused=True)
        it = iter(grads)
        slots = []
        for t in inputs:
            if t.requires_grad:
                gi = next(it)
                slots.append(out(gi) if gi is not None else None)
            else:
                slots.append(None)
        result['grads'] = slots
    return result


def main():
    req = json.load(sys.stdin)
    cases = req['cases'] if isinstance(req, dict) else req
    results = []
    for case in cases:
        try:
            results.append(run_case(case))
        except Exception as e:  # one bad case must not hide the others
            results.append({'error': '%s: %s\n%s' % (type(e).__name__, e, traceback.format_exc(limit=3))})
    json.dump(results, sys.stdout, allow_nan=False, separators=(',', ':'))
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
