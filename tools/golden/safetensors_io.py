"""A tiny pure-Python safetensors writer and reader (torch 1.13 predates safetensors support).

File layout (https://github.com/huggingface/safetensors): an 8-byte little-endian u64 N, then N
bytes of UTF-8 JSON (padded with spaces so the data starts 8-byte aligned), then the data section.
The JSON maps each tensor name to {"dtype", "shape", "data_offsets": [begin, end]} (offsets
relative to the data section, little-endian, C order) and may hold "__metadata__": {str: str}.
"""
import json
import struct
import sys
from array import array

# dtype name -> (array typecode, bytes per element)
_DTYPES = {"F32": ("f", 4), "F64": ("d", 8), "I32": ("i", 4), "I64": ("q", 8)}


def _numel(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def write(path, tensors, metadata=None):
    """tensors: {name: (dtype, shape, flat list of numbers)}; metadata: {str: str} or None."""
    header = {}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        dtype, shape, data = tensors[name]
        code, size = _DTYPES[dtype]
        if len(data) != _numel(shape):
            raise ValueError(f"{name}: {len(data)} values for shape {shape}")
        buf = array(code, data)
        if sys.byteorder != "little":
            buf.byteswap()
        raw = buf.tobytes()
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    if metadata:
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise ValueError("__metadata__ must map strings to strings")
        header = {"__metadata__": dict(metadata), **header}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-(8 + len(text)) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)


def read(path):
    """Returns (metadata dict, {name: (dtype, shape, flat list)}). Checks offsets strictly."""
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise ValueError(f"{path}: shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", blob[:8])
    if 8 + n > len(blob):
        raise ValueError(f"{path}: header length {n} runs past the end of the file ({len(blob)} bytes)")
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    data = blob[8 + n:]
    metadata = header.pop("__metadata__", {}) or {}
    tensors = {}
    spans = []
    for name, info in header.items():
        dtype, shape, (begin, end) = info["dtype"], info["shape"], info["data_offsets"]
        if dtype not in _DTYPES:
            raise ValueError(f"{path}: tensor {name} has unsupported dtype {dtype}")
        code, size = _DTYPES[dtype]
        if end - begin != _numel(shape) * size or begin < 0 or end > len(data):
            raise ValueError(f"{path}: tensor {name} has bad data_offsets {[begin, end]} for shape {shape}")
        buf = array(code)
        buf.frombytes(data[begin:end])
        if sys.byteorder != "little":
            buf.byteswap()
        tensors[name] = (dtype, list(shape), buf.tolist())
        spans.append((begin, end, name))
    spans.sort()
    pos = 0
    for begin, end, name in spans:
        if begin != pos:
            raise ValueError(f"{path}: tensor {name} starts at {begin}, expected {pos} (gap or overlap)")
        pos = end
    if pos != len(data):
        raise ValueError(f"{path}: data section is {len(data)} bytes but tensors cover {pos}")
    return metadata, tensors
