"""Convolutions for the oracles that keep away from one broken oneDNN 2.6 kernel.

On CPUs whose widest ISA is AVX2, oneDNN's weight gradient of a 1x1 convolution with a stride,
in channels_last, with fewer than 8 input channels per group writes past its buffer (a crash, a
hang or silently wrong memory). PyTorch's NCHW path of the same convolution uses padded blocked
layouts and is sound, so such a convolution of a channels_last input runs in NCHW here and its
output goes back to channels_last; the oracle stays PyTorch's own strided convolution. The
channel bound is seal's (native/nn.cc): fewer than 16 per group.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


def _pair(v):
    return tuple(v) if isinstance(v, (list, tuple)) else (v, v)


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    nhwc = x.dim() == 4 and not x.is_contiguous() and x.is_contiguous(memory_format=torch.channels_last)
    if x.is_cpu and nhwc and tuple(w.shape[2:]) == (1, 1) and w.shape[1] < 16 and max(_pair(stride)) > 1:
        y = F.conv2d(x.contiguous(), w.contiguous(), b, stride, padding, dilation, groups)
        return y.contiguous(memory_format=torch.channels_last)
    return F.conv2d(x, w, b, stride, padding, dilation, groups)


class Conv2d(nn.Conv2d):
    """nn.Conv2d (same parameters and state_dict names) on conv2d above."""

    def forward(self, x):
        return conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)
