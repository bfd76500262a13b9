"""Write the torch checkpoint fixtures used by tests/convert/test_torch_pickle.py.

Needs torch; run once by hand (CI only reads the committed outputs):

    python tests/reference/make_pickle_fixtures.py

Outputs in tests/fixtures/pickle/:
  state_zip.pt            torch.save zip format, top folder named after the stem
  state_zip_archive.pt    same object saved through a buffer (top folder "archive/")
  state_zip_bigendian.pt  the zip file rewritten with byteorder "big" and swapped storages
  state_legacy.pt         _use_new_zipfile_serialization=False (pre-1.6 stream format)
  whole_module_zip.pt     a pickled nn.Module (must be refused), zip format
  whole_module_legacy.pt  the same, legacy format
  expected.npz            expected arrays, keyed by their path in the object ("b/f16")
  expected.json           expected structure: containers, scalars and array dtypes/shapes
"""

from __future__ import annotations

import io
import json
import pickle
import warnings
import zipfile
from pathlib import Path

import numpy as np
import torch
from torch import nn

OUT = Path(__file__).resolve().parents[1] / "fixtures" / "pickle"


class Tiny(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(2, 3, 3)
        self.fc = nn.Linear(4, 2)
        self.scale = nn.Parameter(torch.randn(3))
        self.register_buffer("steps", torch.tensor(7, dtype=torch.int64))


def build_object() -> dict:
    torch.manual_seed(0)
    big = torch.arange(20, dtype=torch.float32).reshape(4, 5)
    shared = torch.randn(2, 3)
    b = {
        "f16": torch.randn(2, 3).half(),
        "f64": torch.randn(4, dtype=torch.float64),
        "i64": torch.arange(-3, 3, dtype=torch.int64),
        "u8": torch.randint(0, 256, (2, 2), dtype=torch.uint8),
        "bool": torch.tensor([True, False, True]),
        "bf16": torch.tensor([1.5, -2.25, 3.0e10], dtype=torch.bfloat16),
        "u16": torch.tensor([1, 2, 65535], dtype=torch.int32).to(torch.uint16),
        "c64": torch.tensor([1 + 2j, -3.5j], dtype=torch.complex64),
        "transposed": torch.randn(3, 4).t(),  # non-contiguous view, saved as is
        "offset_slice": big.view(-1)[7:12],  # contiguous, storage offset 7
        "offset_block": big[1:3, 1:4],  # offset 6 and non-contiguous
        "shared_x": shared[0],  # shared_x / shared_y use one storage
        "shared_y": shared[1],
        "scalar": torch.tensor(3.5),
        "empty": torch.zeros(0, 3),
        "param": nn.Parameter(torch.randn(2)),
        "size": torch.Size([2, 3]),
        "step": 1234,
        "lr": 0.5,
        "name": "photo2cartoon-fixture",
        "list": [torch.ones(2, dtype=torch.int32), 3, "x"],
        "tuple": (1, torch.full((2,), 2.0, dtype=torch.float64)),
        "nothing": None,
    }
    return {"a": Tiny().state_dict(), "b": b}


def describe(obj, path: str, arrays: dict) -> dict:
    """Expected-structure JSON node; arrays go to `arrays` under their path."""
    if isinstance(obj, torch.Tensor):
        dtype = str(obj.dtype).removeprefix("torch.")
        value = obj.detach()
        # npz cannot hold bfloat16; bf16 -> float32 is exact, the test casts back.
        arrays[path] = (value.float() if obj.dtype == torch.bfloat16 else value).numpy().copy()
        return {"type": "array", "key": path, "dtype": dtype, "shape": list(obj.shape)}
    if isinstance(obj, torch.Size):
        return {"type": "tuple", "items": [describe(v, f"{path}/{i}", arrays) for i, v in enumerate(obj)]}
    if isinstance(obj, dict):
        return {
            "type": "dict",
            "items": [[k, describe(v, f"{path}/{k}".lstrip("/"), arrays)] for k, v in obj.items()],
        }
    if isinstance(obj, (list, tuple)):
        kind = "list" if isinstance(obj, list) else "tuple"
        return {"type": kind, "items": [describe(v, f"{path}/{i}", arrays) for i, v in enumerate(obj)]}
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return {"type": "value", "value": obj}
    raise TypeError(type(obj))


class _StorageUnits(pickle.Unpickler):
    """Trusted reader of our own data.pkl: records each storage's byte-swap unit."""

    def __init__(self, data: bytes) -> None:
        super().__init__(io.BytesIO(data))
        self.unit: dict[str, int] = {}
        self._untyped: dict[int, str] = {}

    @staticmethod
    def _unit(dtype: torch.dtype) -> int:
        # Complex numbers are swapped per real/imaginary half, like torch does.
        return dtype.itemsize // 2 if dtype.is_complex else dtype.itemsize

    def persistent_load(self, pid):
        _, storage_type, key, _location, numel = pid
        if storage_type is torch.UntypedStorage:
            # Bytes only; the unit comes from the tensor built on it (below).
            storage = torch.storage.TypedStorage(numel, dtype=torch.uint8)
            self._untyped[id(storage)] = key
            self.unit.setdefault(key, 1)
            return storage
        self.unit[key] = self._unit(storage_type._dtype)
        return torch.storage.TypedStorage(numel, dtype=storage_type._dtype)

    def find_class(self, module, name):
        found = super().find_class(module, name)
        if (module, name) != ("torch._utils", "_rebuild_tensor_v3"):
            return found

        def rebuild_v3(storage, *args):
            # A big-endian writer stores uint16 etc. in native order even though
            # the storage is untyped (torch's own loader does not swap these).
            self.unit[self._untyped[id(storage)]] = self._unit(args[5])
            return found(storage, *args)

        return rebuild_v3


def make_big_endian(src: Path, dst: Path) -> None:
    """Rewrite a little-endian zip checkpoint as a big-endian machine would write it."""
    with zipfile.ZipFile(src) as zin:
        names = zin.namelist()
        prefix = next(n for n in names if n.endswith("/data.pkl"))[: -len("data.pkl")]
        reader = _StorageUnits(zin.read(prefix + "data.pkl"))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # TypedStorage deprecation
            reader.load()
        with zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as zout:
            for name in names:
                data = zin.read(name)
                if name == prefix + "byteorder":
                    data = b"big"
                elif name.startswith(prefix + "data/"):
                    unit = reader.unit[name[len(prefix + "data/"):]]
                    if unit > 1:
                        data = np.frombuffer(data, f"<u{unit}").astype(f">u{unit}").tobytes()
                zout.writestr(name, data)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    obj = build_object()

    torch.save(obj, OUT / "state_zip.pt")
    buf = io.BytesIO()
    torch.save(obj, buf)  # a buffer has no stem: torch names the folder "archive"
    (OUT / "state_zip_archive.pt").write_bytes(buf.getvalue())
    torch.save(obj, OUT / "state_legacy.pt", _use_new_zipfile_serialization=False)

    make_big_endian(OUT / "state_zip.pt", OUT / "state_zip_bigendian.pt")

    # A whole model, as people save with torch.save(model): must be refused.
    module = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU())
    torch.save(module, OUT / "whole_module_zip.pt")
    torch.save(module, OUT / "whole_module_legacy.pt", _use_new_zipfile_serialization=False)

    arrays: dict = {}
    structure = describe(obj, "", arrays)
    np.savez(OUT / "expected.npz", **arrays)
    (OUT / "expected.json").write_text(json.dumps(structure, indent=1) + "\n")

    # Sanity: torch reads the big-endian rewrite back to the same values, except
    # for tensors on untyped storages (uint16 here), which torch does not swap.
    check = torch.load(OUT / "state_zip_bigendian.pt", weights_only=True)
    for key, value in obj["b"].items():
        if isinstance(value, torch.Tensor) and key != "u16":
            assert torch.equal(check["b"][key], value), key
    assert check["b"]["u16"].tolist() == [256, 512, 65535]
    total = sum(p.stat().st_size for p in OUT.iterdir())
    print(f"wrote {len(list(OUT.iterdir()))} files, {total} bytes, to {OUT}")


if __name__ == "__main__":
    main()
