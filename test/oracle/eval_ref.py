"""Test accuracy of a seal checkpoint, computed by PyTorch.

Usage: /usr/bin/python3 test/oracle/eval_ref.py CHECKPOINT ARCH_JSON TESTSET
CHECKPOINT: a gen-<g>.safetensors state dict; ARCH_JSON: {"depth","stem","width","inChannels","numClasses"};
TESTSET: safetensors with "x" (float32 [N,C,H,W], normalised) and "y" (int64 [N]).
Prints {"top1": ..., "top5": ..., "count": N}.
"""
import json
import sys

import torch

import safetensors_io
from train_ref import build_model


def main():
    state, _ = safetensors_io.load(sys.argv[1])
    model = build_model(json.loads(sys.argv[2]))
    model.load_state_dict(state, strict=True)
    model.eval()
    data, _ = safetensors_io.load(sys.argv[3])
    x, y = data["x"], data["y"]
    with torch.no_grad():
        logits = torch.cat([model(x[i:i + 256]) for i in range(0, len(x), 256)])
    top = logits.topk(min(5, logits.shape[1]), dim=1).indices
    hits = top.eq(y.unsqueeze(1))
    print(json.dumps({"top1": hits[:, 0].float().mean().item(), "top5": hits.any(dim=1).float().mean().item(), "count": len(y)}))


if __name__ == "__main__":
    main()
