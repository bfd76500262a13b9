"""Write PyTorch `.pt` checkpoints without torch.

The file is what `torch.save` writes in its zip format (the layout `torch_pickle` documents):
`archive/data.pkl` holds the object, each tensor pickled as a call to
`torch._utils._rebuild_tensor_v2` on a persistent storage id, `archive/data/<key>` each storage's
little-endian bytes (64-byte aligned, as torch aligns them), plus `byteorder` and `version`
records. The pickle names only globals that `torch.load(..., weights_only=True)` allows, so a
PyTorch user can load the file without trusting it.

Only what the original's checkpoints hold is written: nested dicts of `OrderedDict` state dicts
of float32 (and int64) tensors.
"""

from __future__ import annotations

import os
import pickle
import struct
import zipfile

import numpy as np

from tf_p2c.atomic_write import atomic_open

__all__ = ["save_torch_checkpoint"]

_STORAGE_TYPES = {np.dtype("float32"): "FloatStorage", np.dtype("int64"): "LongStorage"}
_ALIGNMENT = 64
_TOP = "archive"


class _PickleWriter:
    """Emits protocol-2 pickle opcodes for the few types a checkpoint needs."""

    def __init__(self):
        self.out = bytearray(pickle.PROTO + bytes([2]))

    def op(self, code: bytes):
        self.out += code

    def string(self, text: str):
        data = text.encode("utf-8")
        self.out += pickle.BINUNICODE + struct.pack("<I", len(data)) + data

    def int(self, value: int):
        if 0 <= value < 256:
            self.out += pickle.BININT1 + struct.pack("<B", value)
        elif 0 <= value < 65536:
            self.out += pickle.BININT2 + struct.pack("<H", value)
        elif -(2**31) <= value < 2**31:
            self.out += pickle.BININT + struct.pack("<i", value)
        else:
            data = value.to_bytes((value.bit_length() + 8) // 8, "little", signed=True)
            self.out += pickle.LONG1 + bytes([len(data)]) + data

    def global_(self, module: str, name: str):
        self.out += pickle.GLOBAL + f"{module}\n{name}\n".encode("ascii")

    def int_tuple(self, values):
        if not values:
            self.op(pickle.EMPTY_TUPLE)
            return
        self.op(pickle.MARK)
        for value in values:
            self.int(int(value))
        self.op(pickle.TUPLE)

    def empty_ordered_dict(self):
        self.global_("collections", "OrderedDict")
        self.op(pickle.EMPTY_TUPLE)
        self.op(pickle.REDUCE)

    def tensor(self, key: str, array: np.ndarray):
        # _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, backward_hooks)
        self.global_("torch._utils", "_rebuild_tensor_v2")
        self.op(pickle.MARK)
        self.op(pickle.MARK)  # the persistent id ('storage', type, key, location, numel)
        self.string("storage")
        self.global_("torch", _STORAGE_TYPES[array.dtype])
        self.string(key)
        self.string("cpu")
        self.int(array.size)
        self.op(pickle.TUPLE)
        self.op(pickle.BINPERSID)
        self.int(0)
        self.int_tuple(array.shape)
        self.int_tuple(_contiguous_strides(array.shape))
        self.op(pickle.NEWFALSE)
        self.empty_ordered_dict()
        self.op(pickle.TUPLE)
        self.op(pickle.REDUCE)


def _contiguous_strides(shape):
    strides, step = [], 1
    for dim in reversed(shape):
        strides.append(step)
        step *= int(dim)
    return tuple(reversed(strides))


def _pickle_checkpoint(networks: dict) -> tuple[bytes, list[np.ndarray]]:
    writer, storages = _PickleWriter(), []

    def state_dict(state):
        writer.empty_ordered_dict()
        if state:
            writer.op(pickle.MARK)
            for key, value in state.items():
                array = np.ascontiguousarray(value)
                if array.dtype not in _STORAGE_TYPES:
                    raise ValueError(f"{key}: dtype {array.dtype} is not written (float32 and int64 only)")
                writer.string(key)
                writer.tensor(str(len(storages)), array)
                storages.append(array.astype(array.dtype.newbyteorder("<"), copy=False))
            writer.op(pickle.SETITEMS)

    writer.op(pickle.EMPTY_DICT)
    writer.op(pickle.MARK)
    for name, state in networks.items():
        writer.string(name)
        state_dict(state)
    writer.op(pickle.SETITEMS)
    writer.op(pickle.STOP)
    return bytes(writer.out), storages


def _aligned_entry(archive: zipfile.ZipFile, name: str, data: bytes):
    """Stores `data` uncompressed, padding the local header so the bytes start 64-aligned."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    header_end = archive.fp.tell() + 30 + len(name.encode("utf-8")) + 4
    pad = (-header_end) % _ALIGNMENT
    info.extra = b"FB" + struct.pack("<H", pad) + b"Z" * pad  # an extra field of padding
    archive.writestr(info, data)


def save_torch_checkpoint(networks: dict[str, dict[str, np.ndarray]], path) -> None:
    """Writes `{network: {key: array}}` as `torch.save` would write the same dict of state dicts.

    The file appears whole or not at all (temporary file, then rename).
    """
    payload, storages = _pickle_checkpoint(networks)
    with atomic_open(os.fspath(path)) as handle:
        with zipfile.ZipFile(handle, "w", zipfile.ZIP_STORED) as archive:
            _aligned_entry(archive, f"{_TOP}/data.pkl", payload)
            _aligned_entry(archive, f"{_TOP}/byteorder", b"little")
            for key, array in enumerate(storages):
                _aligned_entry(archive, f"{_TOP}/data/{key}", array.tobytes())
            _aligned_entry(archive, f"{_TOP}/version", b"3\n")
