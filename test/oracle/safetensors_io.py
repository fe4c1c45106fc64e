"""Minimal reader/writer for the safetensors format, for the PyTorch oracle.

Layout of a file:

    u64 little-endian N | N bytes of UTF-8 JSON header | data section

The header maps each tensor name to {"dtype", "shape", "data_offsets": [begin, end]}, with offsets
in bytes relative to the start of the data section, plus an optional "__metadata__" object of
string -> string. The header is padded with spaces to a multiple of 8 bytes. Tensor data is
row-major, little-endian, and the tensors tile the data section with no gaps or overlaps.

Only needs torch (Debian's python3-torch 1.13; run with /usr/bin/python3).
"""
import json
import math
import struct
import sys

import torch

DTYPES = {
    'F64': torch.float64,
    'F32': torch.float32,
    'F16': torch.float16,
    'BF16': torch.bfloat16,
    'I64': torch.int64,
    'I32': torch.int32,
    'I16': torch.int16,
    'I8': torch.int8,
    'U8': torch.uint8,
    'BOOL': torch.bool,
}
CODES = {v: k for k, v in DTYPES.items()}
ITEM_SIZE = {
    'F64': 8, 'F32': 4, 'F16': 2, 'BF16': 2, 'I64': 8, 'I32': 4, 'I16': 2, 'I8': 1, 'U8': 1, 'BOOL': 1,
}
# Refuse absurd headers instead of trying to allocate them (the reference implementation uses 100 MB).
MAX_HEADER = 100_000_000

if sys.byteorder != 'little':
    raise RuntimeError('safetensors_io assumes a little-endian host')


def _numel(shape):
    return math.prod(shape) if shape else 1


def _tensor_bytes(t):
    """Raw little-endian bytes of a tensor in row-major order."""
    flat = t.detach().to('cpu').contiguous().reshape(-1)
    if flat.numel() == 0:
        return b''
    if flat.dtype == torch.bool:
        flat = flat.to(torch.uint8)  # one byte per element, 0 or 1
    elif flat.dtype != torch.uint8:
        flat = flat.view(torch.uint8)
    return flat.numpy().tobytes()


def save(path, tensors, metadata=None):
    """Write `tensors` (name -> torch.Tensor) and optional string metadata to `path`."""
    entries = []
    for name, t in tensors.items():
        if not isinstance(name, str) or name == '__metadata__':
            raise ValueError(f'invalid tensor name {name!r}')
        if not isinstance(t, torch.Tensor):
            raise TypeError(f'{name}: expected a torch.Tensor, got {type(t).__name__}')
        if t.dtype not in CODES:
            raise TypeError(f'{name}: unsupported dtype {t.dtype}')
        entries.append((name, t))
    # Widest dtype first, then by name: every tensor starts at a multiple of its item size
    # (the data section itself starts at a multiple of 8).
    entries.sort(key=lambda nt: (-ITEM_SIZE[CODES[nt[1].dtype]], nt[0]))

    header = {}
    if metadata:
        meta = {}
        for k, v in metadata.items():
            if not isinstance(k, str) or not isinstance(v, str):
                raise TypeError(f'metadata must map str to str, got {k!r}: {v!r}')
            meta[k] = v
        header['__metadata__'] = meta
    blobs = []
    offset = 0
    for name, t in entries:
        data = _tensor_bytes(t)
        code = CODES[t.dtype]
        assert len(data) == _numel(list(t.shape)) * ITEM_SIZE[code]
        header[name] = {'dtype': code, 'shape': list(t.shape), 'data_offsets': [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)

    head = json.dumps(header, separators=(',', ':'), ensure_ascii=False).encode('utf-8')
    head += b' ' * ((-len(head)) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(head)))
        f.write(head)
        for data in blobs:
            f.write(data)


def load(path):
    """Read `path`; returns (dict name -> torch.Tensor in file order, metadata dict str -> str)."""
    with open(path, 'rb') as f:
        raw = f.read()
    if len(raw) < 8:
        raise ValueError(f'{path}: too short for a safetensors file')
    (n,) = struct.unpack('<Q', raw[:8])
    if n > MAX_HEADER or 8 + n > len(raw):
        raise ValueError(f'{path}: header length {n} does not fit a {len(raw)}-byte file')
    try:
        header = json.loads(raw[8:8 + n].decode('utf-8'))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f'{path}: bad header: {e}') from None
    if not isinstance(header, dict):
        raise ValueError(f'{path}: header is not a JSON object')

    metadata = header.pop('__metadata__', {})
    if not isinstance(metadata, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                 for k, v in metadata.items()):
        raise ValueError(f'{path}: __metadata__ must map str to str')

    data = memoryview(raw)[8 + n:]
    items = []
    for name, info in header.items():
        if not isinstance(info, dict) or set(info) != {'dtype', 'shape', 'data_offsets'}:
            raise ValueError(f'{path}: {name}: bad entry {info!r}')
        code, shape, (begin, end) = info['dtype'], info['shape'], info['data_offsets']
        if code not in DTYPES:
            raise ValueError(f'{path}: {name}: unsupported dtype {code!r}')
        if not all(isinstance(d, int) and d >= 0 for d in shape):
            raise ValueError(f'{path}: {name}: bad shape {shape!r}')
        if not (isinstance(begin, int) and isinstance(end, int) and 0 <= begin <= end):
            raise ValueError(f'{path}: {name}: bad data_offsets {info["data_offsets"]!r}')
        if end - begin != _numel(shape) * ITEM_SIZE[code]:
            raise ValueError(f'{path}: {name}: {end - begin} bytes for shape {shape} of {code}')
        items.append((begin, end, name, code, shape))

    # The tensors must tile the data section exactly, in offset order.
    items.sort()
    pos = 0
    for begin, end, name, _, _ in items:
        if begin != pos:
            raise ValueError(f'{path}: {name}: data starts at {begin}, expected {pos} (gap or overlap)')
        pos = end
    if pos != len(data):
        raise ValueError(f'{path}: data section is {len(data)} bytes, tensors cover {pos}')

    tensors = {}
    for begin, end, name, code, shape in items:
        dtype = DTYPES[code]
        if end == begin:
            t = torch.empty(shape, dtype=dtype)
        else:
            # bytearray: a private, writable copy, so the tensor owns its memory.
            chunk = bytearray(data[begin:end])
            if dtype == torch.bool:
                u8 = torch.frombuffer(chunk, dtype=torch.uint8)
                if bool((u8 > 1).any()):
                    raise ValueError(f'{path}: {name}: BOOL byte other than 0 or 1')
                t = u8.to(torch.bool)
            else:
                t = torch.frombuffer(chunk, dtype=dtype)
            t = t.reshape(shape).clone()
        tensors[name] = t
    return tensors, metadata
