#!/usr/bin/python3
"""PyTorch reference trainer for seal's differential test of SEAL, LLF, KE and normal iterative training.

    /usr/bin/python3 test/oracle/train_ref.py IN_DIR OUT_DIR

Follows docs/method.md §2-§5 (the official SEAL code, amiiir-sarfi/SEAL): one
forward/backward of the label-smoothed cross-entropy per batch, model.train() throughout, lr set
once per epoch from a warmup+cosine schedule that restarts every generation, momentum SGD rebuilt
(state reset) at every generation start, and for the two-group methods again at epoch k.
KE (method.md §4.4) re-initialises the part of every conv and fc weight outside its KELS mask.
The data is not sampled here: IN_DIR/batches.safetensors holds every batch, already augmented.
See test/oracle/README.md for the file formats.
"""
import json
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safe_conv  # noqa: E402
import safetensors_io  # noqa: E402

METHODS = ('normal', 'llf', 'seal', 'llf+seal', 'reverse', 'freeze-late', 'ke')
TWO_GROUP = ('seal', 'llf+seal', 'reverse', 'freeze-late')  # descenders + ascenders, rebuilt at epoch k
REINIT = ('llf', 'llf+seal')
RESEEDED = REINIT + ('ke',)  # methods that draw new weights at each generation start


# ---------------------------------------------------------------------------------------------
# Model: torchvision-style ResNet (same module names, so the state dict keys match torchvision).

class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=False)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = _downsample(inplanes, planes * self.expansion, stride)

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, inplanes, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=stride, padding=1, bias=False)  # stride on the 3x3
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * self.expansion, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * self.expansion)
        self.relu = nn.ReLU(inplace=False)
        self.downsample = _downsample(inplanes, planes * self.expansion, stride)

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)


def _downsample(inplanes, outplanes, stride):
    if stride == 1 and inplanes == outplanes:
        return None
    return nn.Sequential(safe_conv.Conv2d(inplanes, outplanes, 1, stride=stride, bias=False), nn.BatchNorm2d(outplanes))


def stage_widths(width):
    # Round half up (like JavaScript's Math.round), not Python's round-half-to-even.
    return [max(1, math.floor(width * c + 0.5)) for c in (64, 128, 256, 512)]


class ResNet(nn.Module):
    def __init__(self, depth, stem, width, in_channels, num_classes):
        super().__init__()
        if depth == 18:
            block, counts = BasicBlock, (2, 2, 2, 2)
        elif depth == 50:
            block, counts = Bottleneck, (3, 4, 6, 3)
        else:
            raise ValueError(f'arch.depth must be 18 or 50, got {depth!r}')
        widths = stage_widths(width)
        inplanes = widths[0]
        if stem == 'imagenet':
            self.conv1 = nn.Conv2d(in_channels, inplanes, 7, stride=2, padding=3, bias=False)
        elif stem == 'cifar':
            self.conv1 = nn.Conv2d(in_channels, inplanes, 3, stride=1, padding=1, bias=False)
        else:
            raise ValueError(f"arch.stem must be 'imagenet' or 'cifar', got {stem!r}")
        self.bn1 = nn.BatchNorm2d(inplanes)
        self.relu = nn.ReLU(inplace=False)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1) if stem == 'imagenet' else None
        for i, (planes, n) in enumerate(zip(widths, counts)):
            blocks = []
            for j in range(n):
                blocks.append(block(inplanes, planes, 2 if (i > 0 and j == 0) else 1))
                inplanes = planes * block.expansion
            setattr(self, f'layer{i + 1}', nn.Sequential(*blocks))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(inplanes, num_classes)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        if self.maxpool is not None:
            x = self.maxpool(x)
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def build_model(arch):
    return ResNet(arch['depth'], arch['stem'], float(arch['width']), arch['inChannels'], arch['numClasses'])


# ---------------------------------------------------------------------------------------------
# Early/late split (method.md §2) and the LLF re-initialisation (§4.2, §5.2).

def is_bn(name):
    return 'bn' in name or 'downsample.1' in name or 'norm' in name


def split_params(model, split_at):
    """[(name, p)] before the threshold (early) and from it on (late), in registration order.

    The threshold is reached at the first non-BN parameter whose first splitAt.count('.')+1 dotted
    components equal splitAt; BN parameters go to whichever side the threshold flag says.
    """
    want = split_at.split('.')
    early, late = [], []
    reached = False
    for name, p in model.named_parameters():
        if not reached and not is_bn(name) and name.split('.')[:len(want)] == want:
            reached = True
        (late if reached else early).append((name, p))
    if not reached:
        raise ValueError(f'splitAt {split_at!r} matches no parameter: every parameter would be early')
    return early, late


def llf_targets(model, split_at):
    """The parameters LLF re-initialises, in named_parameters() order."""
    _, late = split_params(model, split_at)
    return [(n, p) for n, p in late
            if not is_bn(n) and n.endswith('weight') and ('conv' in n or 'downsample.0' in n or 'fc' in n)]


def llf_reinit(model, split_at, seed):
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for _, p in llf_targets(model, split_at):
            fan_in = p[0].numel()
            b = 1.0 / math.sqrt(fan_in)
            # Drawn in NCHW order and copied: uniform_ on a channels_last tensor would fill it
            # in memory order and put the same draws at other positions.
            p.data.copy_(torch.empty(p.shape, dtype=p.dtype).uniform_(-b, b, generator=gen))


def ke_targets(model):
    """Every conv and fc weight, in named_parameters() order: KE splits the whole network."""
    return [(n, p) for n, p in model.named_parameters()
            if not is_bn(n) and n.endswith('weight') and ('conv' in n or 'downsample.0' in n or 'fc' in n)]


def kels_mask(shape, rate, all_inputs, all_outputs):
    """True on the fit hypothesis: the first ceil(rate·out) filters x the first ceil(rate·in) inputs."""
    keep_out = shape[0] if all_outputs else math.ceil(rate * shape[0])
    keep_in = shape[1] if all_inputs else math.ceil(rate * shape[1])
    mask = torch.zeros(shape, dtype=torch.bool)
    mask[:keep_out, :keep_in] = True
    return mask


def ke_reinit(model, rate, seed):
    gen = torch.Generator().manual_seed(seed)
    targets = ke_targets(model)
    with torch.no_grad():
        for i, (n, p) in enumerate(targets):
            b = 1.0 / math.sqrt(p[0].numel())
            # A whole new tensor is drawn and the mask picks from it: w = where(mask, w, fresh)
            # as method.md §4.4 writes it, so the stream advances by the full size of each weight.
            fresh = torch.empty(p.shape, dtype=p.dtype).uniform_(-b, b, generator=gen)
            # The first conv keeps all its input channels (the image), the classifier all its outputs.
            keep = kels_mask(tuple(p.shape), rate, all_inputs=i == 0, all_outputs=n.startswith('fc.'))
            p.copy_(torch.where(keep, p, fresh))


# ---------------------------------------------------------------------------------------------
# Schedule and optimizer (method.md §3).

def scheduled_lr(cfg, e):
    lr, W, E = cfg['lr'], cfg['warmupEpochs'], cfg['epochs']
    if e < W:
        return lr * (e + 1) / W
    return 0.5 * (1 + math.cos(math.pi * (e - W) / (E - W))) * lr


def param_groups(cfg, g, early, late, ascent):
    """[(group name, side, [(name, p)])] in optimizer group order for generation g."""
    method = cfg['method']
    if g == 0 or method not in TWO_GROUP:
        return [('all', 'all', early + late)]
    if method == 'reverse':
        asc, desc, asc_side, desc_side = late, early, 'late', 'early'
    else:
        asc, desc, asc_side, desc_side = early, late, 'early', 'late'
    if method == 'freeze-late' and ascent:
        desc = []  # later layers are not in the optimizer at all during the ascent epochs
    return [('descenders', desc_side, desc), ('ascenders', asc_side, asc)]


def make_optimizer(cfg, groups):
    # The base lr is a placeholder: every group's lr and weight decay are set at each epoch start.
    return torch.optim.SGD([{'params': [p for _, p in ps]} for _, _, ps in groups],
                           lr=cfg['lr'], momentum=cfg['momentum'], dampening=0,
                           weight_decay=cfg['weightDecay'], nesterov=cfg.get('nesterov', False),
                           foreach=False)


# ---------------------------------------------------------------------------------------------

REQUIRED = ('method', 'arch', 'generations', 'epochs', 'stepsPerEpoch', 'lr', 'momentum', 'weightDecay',
            'labelSmoothing', 'warmupEpochs', 'ascentEpochs', 'ascentLrMultiplier', 'ascentWdMultiplier')


def read_config(path):
    with open(path) as f:
        cfg = json.load(f)
    missing = [k for k in REQUIRED if k not in cfg]
    if missing:
        raise ValueError(f'{path}: missing keys {missing}')
    for k in ('depth', 'stem', 'width', 'inChannels', 'numClasses'):
        if k not in cfg['arch']:
            raise ValueError(f'{path}: missing arch.{k}')
    if cfg['method'] not in METHODS:
        raise ValueError(f'{path}: method must be one of {METHODS}, got {cfg["method"]!r}')
    cfg.setdefault('splitAt', 'layer3')
    if cfg['method'] == 'ke' and not 0 < cfg.get('keSplitRate', -1) <= 1:
        raise ValueError(f'{path}: ke needs keSplitRate in (0, 1]')
    if cfg['method'] in RESEEDED:
        seeds = cfg.get('reinitSeeds')
        if not isinstance(seeds, list) or len(seeds) < cfg['generations']:
            raise ValueError(f'{path}: {cfg["method"]} needs reinitSeeds with one entry per generation')
    return cfg


def train(cfg, model, batches):
    method, G, E, k = cfg['method'], cfg['generations'], cfg['epochs'], cfg['ascentEpochs']
    wd, S = cfg['weightDecay'], cfg['ascentLrMultiplier']
    early, late = split_params(model, cfg['splitAt'])
    model.train()
    log = {'method': method, 'generations': []}
    states = []

    for g in range(G):
        if g >= 1 and method in REINIT:
            llf_reinit(model, cfg['splitAt'], int(cfg['reinitSeeds'][g]))
        if g >= 1 and method == 'ke':
            ke_reinit(model, float(cfg['keSplitRate']), int(cfg['reinitSeeds'][g]))
        two = g >= 1 and method in TWO_GROUP
        groups = param_groups(cfg, g, early, late, ascent=two and k > 0)
        opt = make_optimizer(cfg, groups)  # fresh momentum every generation
        epochs = []
        for e in range(E):
            ascent = two and e < k
            if two and e == k and k > 0:
                groups = param_groups(cfg, g, early, late, ascent=False)
                opt = make_optimizer(cfg, groups)  # the ascent -> descent switch resets momentum again
            lr_t = scheduled_lr(cfg, e)
            for pg in opt.param_groups:
                pg['lr'] = lr_t
                pg['weight_decay'] = wd
            if ascent:
                opt.param_groups[1]['lr'] = S * lr_t
                opt.param_groups[1]['weight_decay'] = wd * cfg['ascentWdMultiplier']

            total = 0.0
            for b in range(cfg['stepsPerEpoch']):
                x, y = batches[f'x.{g}.{e}.{b}'], batches[f'y.{g}.{e}.{b}']
                loss = F.cross_entropy(model(x), y, label_smoothing=cfg['labelSmoothing'])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                total += loss.item()

            epochs.append({
                'epoch': e,
                'phase': 'ascent' if ascent else 'descent',
                'groups': [{'name': gname, 'side': side, 'lr': pg['lr'], 'weightDecay': pg['weight_decay'],
                            'numTensors': len(ps), 'numParams': sum(p.numel() for _, p in ps)}
                           for (gname, side, ps), pg in zip(groups, opt.param_groups)],
                'loss': total / cfg['stepsPerEpoch'],
            })
        log['generations'].append({'generation': g, 'epochs': epochs})
        states.append({n: t.detach().clone() for n, t in model.state_dict().items()})
    return log, states


def main(argv):
    if len(argv) != 3:
        sys.stderr.write('usage: /usr/bin/python3 test/oracle/train_ref.py IN_DIR OUT_DIR\n')
        return 2
    in_dir, out_dir = argv[1], argv[2]
    cfg = read_config(os.path.join(in_dir, 'config.json'))
    # Same thread count as the run being checked: reductions split across threads add in
    # another order, and a few SGD steps amplify that far past any tolerance.
    torch.set_num_threads(int(cfg.get('threads', 1)))
    model = build_model(cfg['arch'])
    init, _ = safetensors_io.load(os.path.join(in_dir, 'init.safetensors'))
    model.load_state_dict(init, strict=True)
    if cfg.get('memoryFormat', 'contiguous') == 'channels_last':
        # seal's NHWC runs: the same layout gives the same oneDNN kernels, so the same sums.
        model = model.to(memory_format=torch.channels_last)
    batches, _ = safetensors_io.load(os.path.join(in_dir, 'batches.safetensors'))
    for g in range(cfg['generations']):
        for e in range(cfg['epochs']):
            for b in range(cfg['stepsPerEpoch']):
                for key, dt in ((f'x.{g}.{e}.{b}', torch.float32), (f'y.{g}.{e}.{b}', torch.int64)):
                    if key not in batches:
                        raise ValueError(f'batches.safetensors: missing {key}')
                    if batches[key].dtype != dt:
                        raise ValueError(f'batches.safetensors: {key} is {batches[key].dtype}, expected {dt}')

    log, states = train(cfg, model, batches)

    early, late = split_params(model, cfg['splitAt'])
    log['split'] = {
        'splitAt': cfg['splitAt'],
        'early': [n for n, _ in early],
        'late': [n for n, _ in late],
        'earlyParams': sum(p.numel() for _, p in early),
        'lateParams': sum(p.numel() for _, p in late),
        'llfReinit': [n for n, _ in llf_targets(model, cfg['splitAt'])],
    }
    os.makedirs(out_dir, exist_ok=True)
    for g, state in enumerate(states):
        safetensors_io.save(os.path.join(out_dir, f'gen-{g}.safetensors'), state,
                            {'method': cfg['method'], 'generation': str(g)})
    with open(os.path.join(out_dir, 'log.json'), 'w') as f:
        json.dump(log, f, indent=1)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
