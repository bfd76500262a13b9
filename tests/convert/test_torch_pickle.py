"""Tests for the torch-free, code-free checkpoint reader (no torch needed).

Good inputs come from tests/fixtures/pickle/ (written by
tests/reference/make_pickle_fixtures.py).  Hostile and broken inputs are built
here, with the stdlib pickler or a tiny opcode writer, so they need no torch.
"""

from __future__ import annotations

import ast
import io
import json
import os
import pickle
import struct
import subprocess
import sys
import tarfile
import zipfile
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest

from tf_p2c.convert import torch_pickle
from tf_p2c.convert.torch_pickle import CheckpointError, load_torch_checkpoint
from paths import FIXTURES, REPO

PICKLE_FIXTURES = Path(FIXTURES) / "pickle"
GOOD = ["state_zip.pt", "state_zip_archive.pt", "state_zip_bigendian.pt", "state_legacy.pt"]
LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
SYS_INFO = {"protocol_version": 1001, "little_endian": True, "type_sizes": {"short": 2, "int": 4, "long": 4}}


def refused(path, match: str) -> CheckpointError:
    """Load `path`, expect a CheckpointError whose one-line message names the file."""
    with pytest.raises(CheckpointError, match=match) as info:
        load_torch_checkpoint(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{os.fspath(path)}: ")
    return info.value


# --------------------------------------------------------------------------
# Expected content
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def expected():
    structure = json.loads((PICKLE_FIXTURES / "expected.json").read_text())
    with np.load(PICKLE_FIXTURES / "expected.npz") as npz:
        arrays = {k: npz[k] for k in npz.files}
    return structure, arrays


def assert_matches(got, node, arrays, where="root"):
    kind = node["type"]
    if kind == "array":
        assert isinstance(got, np.ndarray), where
        assert got.dtype.name == node["dtype"], where
        assert list(got.shape) == node["shape"], where
        assert got.flags.c_contiguous and got.flags.owndata and got.flags.writeable, where
        want = arrays[node["key"]].astype(got.dtype)  # bfloat16 is kept as float32 in the npz
        assert got.tobytes() == want.tobytes(), where  # bit-exact
    elif kind == "dict":
        assert type(got) is dict, where
        assert list(got) == [k for k, _ in node["items"]], where  # order kept
        for key, child in node["items"]:
            assert_matches(got[key], child, arrays, f"{where}/{key}")
    elif kind in ("list", "tuple"):
        assert type(got) is (list if kind == "list" else tuple), where
        assert len(got) == len(node["items"]), where
        for i, child in enumerate(node["items"]):
            assert_matches(got[i], child, arrays, f"{where}/{i}")
    else:
        assert type(got) is type(node["value"]) and got == node["value"], where


@pytest.mark.parametrize("name", GOOD)
def test_fixture_matches_expected(name, expected):
    structure, arrays = expected
    assert_matches(load_torch_checkpoint(PICKLE_FIXTURES / name), structure, arrays)


@pytest.mark.parametrize("name", GOOD)
def test_fixture_details(name):
    got = load_torch_checkpoint(str(PICKLE_FIXTURES / name))
    b = got["b"]
    assert b["size"] == (2, 3)
    assert list(got["a"]) == ["scale", "steps", "conv.weight", "conv.bias", "fc.weight", "fc.bias"]
    # Views of one storage come back as independent copies.
    assert not np.shares_memory(b["shared_x"], b["shared_y"])
    np.testing.assert_array_equal(b["offset_slice"], np.arange(7, 12, dtype=np.float32))
    np.testing.assert_array_equal(b["offset_block"], np.arange(20, dtype=np.float32).reshape(4, 5)[1:3, 1:4])
    assert b["bf16"].astype(np.float32).tolist() == [1.5, -2.25, float(np.float32(b["bf16"][2]))]
    assert b["c64"].tolist() == [1 + 2j, -3.5j]
    assert b["u16"].tolist() == [1, 2, 65535]


def test_each_storage_read_once(monkeypatch):
    reads: list[str] = []
    original = zipfile.ZipFile.read

    def counting_read(self, name, pwd=None):
        reads.append(name if isinstance(name, str) else name.filename)
        return original(self, name, pwd)

    monkeypatch.setattr(zipfile.ZipFile, "read", counting_read)
    load_torch_checkpoint(PICKLE_FIXTURES / "state_zip_archive.pt")
    storages = [r for r in reads if "/data/" in r]
    assert storages and len(storages) == len(set(storages))


def test_loader_never_imports_torch_or_runs_default_unpickler():
    code = (
        "import sys\n"
        "from tf_p2c.convert.torch_pickle import load_torch_checkpoint\n"
        f"load_torch_checkpoint({str(PICKLE_FIXTURES / 'state_zip.pt')!r})\n"
        f"load_torch_checkpoint({str(PICKLE_FIXTURES / 'state_legacy.pt')!r})\n"
        "assert 'torch' not in sys.modules\n"
    )
    root = Path(REPO)
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root)
    # Statically: no default unpickler entry points and no torch import in the code.
    tree = ast.parse(Path(torch_pickle.__file__).read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            assert ast.unparse(node) not in ("pickle.load", "pickle.loads", "torch.load")
        if isinstance(node, ast.Import):
            assert all(alias.name.split(".")[0] != "torch" for alias in node.names)
        if isinstance(node, ast.ImportFrom):
            assert (node.module or "").split(".")[0] != "torch"


# --------------------------------------------------------------------------
# Builders for hand-made checkpoints
# --------------------------------------------------------------------------


class G:
    """A global reference (GLOBAL opcode)."""

    def __init__(self, module, name):
        self.module, self.name = module, name


class Call:
    """callable(*args) (REDUCE opcode)."""

    def __init__(self, fn, args):
        self.fn, self.args = fn, tuple(args)


class Pid:
    """A persistent id (BINPERSID opcode)."""

    def __init__(self, value):
        self.value = value


class Build:
    """obj.__setstate__(state) (BUILD opcode)."""

    def __init__(self, obj, state):
        self.obj, self.state = obj, state


def _emit(v, out: bytearray) -> None:
    if v is True or v is False:
        out += b"\x88" if v else b"\x89"
    elif v is None:
        out += b"N"
    elif isinstance(v, int):
        if -(2**31) <= v < 2**31:
            out += b"J" + struct.pack("<i", v)
        else:
            raw = v.to_bytes((v.bit_length() + 8) // 8, "little", signed=True)
            out += b"\x8a" + bytes([len(raw)]) + raw
    elif isinstance(v, float):
        out += b"G" + struct.pack(">d", v)
    elif isinstance(v, str):
        raw = v.encode()
        out += b"X" + struct.pack("<I", len(raw)) + raw
    elif isinstance(v, tuple):
        out += b"("
        for x in v:
            _emit(x, out)
        out += b"t"
    elif isinstance(v, list):
        out += b"]("
        for x in v:
            _emit(x, out)
        out += b"e"
    elif isinstance(v, dict):
        out += b"}("
        for k, x in v.items():
            _emit(k, out)
            _emit(x, out)
        out += b"u"
    elif isinstance(v, G):
        out += f"c{v.module}\n{v.name}\n".encode()
    elif isinstance(v, Call):
        _emit(v.fn, out)
        _emit(v.args, out)
        out += b"R"
    elif isinstance(v, Pid):
        _emit(v.value, out)
        out += b"Q"
    elif isinstance(v, Build):
        _emit(v.obj, out)
        _emit(v.state, out)
        out += b"b"
    else:
        raise TypeError(type(v))


def dumps(v) -> bytes:
    out = bytearray(b"\x80\x02")
    _emit(v, out)
    return bytes(out + b".")


def tensor(key, numel, offset, size, stride, storage="FloatStorage", legacy=False):
    pid = ("storage", G("torch", storage), key, "cpu", numel) + ((None,) if legacy else ())
    hooks = Call(G("collections", "OrderedDict"), ())
    return Call(G("torch._utils", "_rebuild_tensor_v2"), (Pid(pid), offset, size, stride, False, hooks))


def write_zip(path, pkl: bytes, storages=None, folder="archive", byteorder="little"):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(f"{folder}/data.pkl", pkl)
        if byteorder is not None:
            z.writestr(f"{folder}/byteorder", byteorder)
        for key, data in (storages or {}).items():
            z.writestr(f"{folder}/data/{key}", data)
    return path


def write_legacy(path, obj_pickle: bytes, keys=(), storages=(), magic=None):
    out = bytearray(magic if magic is not None else pickle.dumps(LEGACY_MAGIC, protocol=2))
    out += pickle.dumps(1001, protocol=2) + pickle.dumps(SYS_INFO, protocol=2)
    out += obj_pickle + pickle.dumps(list(keys), protocol=2)
    for count, data in storages:
        out += struct.pack("<q", count) + data
    Path(path).write_bytes(bytes(out))
    return path


FOUR_FLOATS = np.arange(4, dtype="<f4").tobytes()


def test_handmade_positive_controls(tmp_path):
    # The builders produce readable files, so the refusals below are meaningful.
    t = tensor("0", 4, 1, (3,), (1,))
    path = write_zip(tmp_path / "ok.pt", dumps({"w": t}), {"0": FOUR_FLOATS}, folder="ok")
    got = load_torch_checkpoint(path)
    assert got["w"].tolist() == [1.0, 2.0, 3.0]
    t = tensor("140", 4, 0, (2, 2), (1, 2), legacy=True)
    path = write_legacy(tmp_path / "old.pt", dumps({"w": t}), ["140"], [(4, FOUR_FLOATS)])
    got = load_torch_checkpoint(path)
    assert got["w"].tolist() == [[0.0, 2.0], [1.0, 3.0]]
    got = load_torch_checkpoint(write_zip(tmp_path / "dtype.pt", dumps({"d": G("torch", "float16"), "n": 3})))
    assert got == {"d": np.dtype(np.float16), "n": 3}


# --------------------------------------------------------------------------
# Inputs that are not checkpoints
# --------------------------------------------------------------------------


def test_missing_file(tmp_path):
    refused(tmp_path / "nope.pt", "file not found")


def test_directory(tmp_path):
    refused(tmp_path, "directory")


def test_empty_file(tmp_path):
    path = tmp_path / "empty.pt"
    path.write_bytes(b"")
    refused(path, "empty file")


@pytest.mark.parametrize(
    "content",
    [
        b"hello world\nthis is text\n",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00",
        b"\x00" * 100,
    ],
    ids=["text", "png", "zeros"],
)
def test_not_a_checkpoint(tmp_path, content):
    path = tmp_path / "file.pt"
    path.write_bytes(content)
    refused(path, "not a PyTorch checkpoint")


def test_plain_pickle_is_not_a_checkpoint(tmp_path):
    path = tmp_path / "plain.pt"
    path.write_bytes(pickle.dumps({"a": [1, 2]}, protocol=2))
    refused(path, "not a PyTorch checkpoint")


def test_zip_that_is_not_torch(tmp_path):
    path = tmp_path / "other.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "hi")
    refused(path, "not a PyTorch checkpoint")


def test_torchscript_archive(tmp_path):
    path = write_zip(tmp_path / "scripted.pt", dumps({}))
    with zipfile.ZipFile(path, "a") as z:
        z.writestr("archive/constants.pkl", dumps(()))
    refused(path, "TorchScript")


def test_legacy_tar_format(tmp_path):
    path = tmp_path / "ancient.pt"
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo("sys_info")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"abc"))
    refused(path, "tar checkpoint .* not supported")


def test_unknown_byteorder(tmp_path):
    refused(write_zip(tmp_path / "bo.pt", dumps({}), byteorder="middle"), "byteorder")


def test_top_level_must_be_dict(tmp_path):
    refused(write_zip(tmp_path / "list.pt", dumps([1, 2])), "expected a dict")


# --------------------------------------------------------------------------
# Truncated and corrupt files
# --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["state_legacy.pt", "state_zip.pt"])
def test_truncated(tmp_path, name):
    data = (PICKLE_FIXTURES / name).read_bytes()
    cuts = sorted({1, 2, 14, 15, 40, 200, len(data) // 3, len(data) // 2, len(data) - 100, len(data) - 9,
                   len(data) - 8, len(data) - 1})
    for cut in cuts:
        path = tmp_path / f"cut{cut}.pt"
        path.write_bytes(data[:cut])
        refused(path, "truncated|corrupt|not a PyTorch")


def test_legacy_storage_shorter_than_declared(tmp_path):
    t = tensor("7", 4, 0, (4,), (1,), legacy=True)
    path = write_legacy(tmp_path / "short.pt", dumps({"w": t}), ["7"], [(4, FOUR_FLOATS[:-2])])
    refused(path, "truncated file \\(storage '7'")


def test_legacy_huge_declared_storage_not_allocated(tmp_path):
    # Count and declared size agree but exceed the file: refused before allocating.
    t = tensor("7", 2**60, 0, (4,), (1,), legacy=True)
    path = write_legacy(tmp_path / "huge.pt", dumps({"w": t}), ["7"], [(2**60, FOUR_FLOATS)])
    refused(path, "truncated file \\(storage '7' needs")


def test_legacy_storage_count_mismatch(tmp_path):
    t = tensor("7", 4, 0, (4,), (1,), legacy=True)
    path = write_legacy(tmp_path / "count.pt", dumps({"w": t}), ["7"], [(3, FOUR_FLOATS[:12])])
    refused(path, "holds 3 elements, expected 4")


def test_legacy_key_list_mismatch(tmp_path):
    t = tensor("7", 4, 0, (4,), (1,), legacy=True)
    path = write_legacy(tmp_path / "keys.pt", dumps({"w": t}), ["8"], [(4, FOUR_FLOATS)])
    refused(path, "key list")


def test_zip_member_shorter_than_declared(tmp_path):
    t = tensor("0", 4, 0, (4,), (1,))
    path = write_zip(tmp_path / "short.pt", dumps({"w": t}), {"0": FOUR_FLOATS[:10]})
    refused(path, "truncated zip member 'archive/data/0': 10 bytes, expected 16")


def test_zip_member_missing(tmp_path):
    t = tensor("0", 4, 0, (4,), (1,))
    refused(write_zip(tmp_path / "gone.pt", dumps({"w": t})), "'archive/data/0' is missing")


def test_zip_member_corrupted(tmp_path):
    path = tmp_path / "crc.pt"
    data = bytearray((PICKLE_FIXTURES / "state_zip_archive.pt").read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo("archive/data/0")
    # The payload starts after the local header, whose extra field (torch's
    # alignment padding) differs from the central directory's copy.
    name_len, extra_len = struct.unpack("<HH", data[info.header_offset + 26 : info.header_offset + 30])
    start = info.header_offset + 30 + name_len + extra_len
    data[start] ^= 0xFF  # flip one payload byte: the CRC no longer matches
    path.write_bytes(bytes(data))
    refused(path, "cannot read zip member 'archive/data/0'")


# --------------------------------------------------------------------------
# Tensors that do not fit their storage
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "offset, size, stride, match",
    [
        (0, (2, 2), (2, 3), "out of bounds"),
        (3, (2,), (1,), "out of bounds"),
        (4, (), (), "out of bounds"),
        (0, (2,), (-1,), "negative"),
        (-1, (2,), (1,), "negative"),
        (0, (2, 2), (1,), "differ in length"),
        (0, (2**40,), (0,), "too large"),
        (0, (2, 2.0), (2, 1), "tuple of ints"),
    ],
)
def test_bad_tensor_geometry(tmp_path, offset, size, stride, match):
    t = tensor("0", 4, offset, size, stride)
    refused(write_zip(tmp_path / "geom.pt", dumps({"w": t}), {"0": FOUR_FLOATS}), match)


def test_tensor_on_non_storage(tmp_path):
    hooks = Call(G("collections", "OrderedDict"), ())
    t = Call(G("torch._utils", "_rebuild_tensor_v2"), ("not a storage", 0, (1,), (1,), False, hooks))
    refused(write_zip(tmp_path / "nostore.pt", dumps({"w": t})), "instead of a storage")


def test_build_on_placeholder_refused(tmp_path):
    t = Build(tensor("0", 4, 0, (4,), (1,)), {"offset": 0})
    path = write_zip(tmp_path / "build.pt", dumps({"w": t}), {"0": FOUR_FLOATS})
    refused(path, "set attributes on a tensor")


def test_same_storage_declared_twice_differently(tmp_path):
    a = tensor("0", 4, 0, (4,), (1,))
    b = tensor("0", 2, 0, (2,), (1,), storage="DoubleStorage")
    refused(write_zip(tmp_path / "twice.pt", dumps({"a": a, "b": b}), {"0": FOUR_FLOATS}), "declared twice")


def test_legacy_module_persistent_id(tmp_path):
    obj = dumps({"m": Pid(("module", "Net", "net.py", "source"))})
    refused(write_legacy(tmp_path / "mod.pt", obj), "whole nn.Module")


# --------------------------------------------------------------------------
# Hostile pickles: refused, and their side effect never happens
# --------------------------------------------------------------------------


class _RunsShell:
    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch '{self.marker}'",))


class _RunsEval:
    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (eval, (f"open({self.marker!r}, 'w').close()",))


PAYLOADS = {"system": _RunsShell, "eval": _RunsEval}
# Protocol 2 writes Python 2 module names (fix_imports); the refusal names the raw global.
REFUSED_NAME = {
    ("system", 2): f"{os.system.__module__}.system",
    ("system", 4): f"{os.system.__module__}.system",
    ("eval", 2): "__builtin__.eval",
    ("eval", 4): "builtins.eval",
}


@pytest.mark.parametrize("protocol", [2, 4])
@pytest.mark.parametrize("kind", sorted(PAYLOADS))
@pytest.mark.parametrize("where", ["zip", "legacy_object", "legacy_magic", "nested_zip", "nested_legacy"])
def test_malicious_pickle_refused(tmp_path, protocol, kind, where):
    marker = tmp_path / "pwned"
    payload = PAYLOADS[kind](marker)
    if where.startswith("nested"):
        payload = {"a": OrderedDict([("w", 1), ("evil", payload)])}
    pkl = pickle.dumps(payload, protocol=protocol)
    path = tmp_path / "evil.pt"
    if where in ("zip", "nested_zip"):
        write_zip(path, pkl)
    elif where == "legacy_magic":
        write_legacy(path, dumps({}), magic=pkl)
    else:
        write_legacy(path, pkl)
    error = refused(path, "refused to load global")
    assert f"'{REFUSED_NAME[kind, protocol]}'" in str(error)
    assert not marker.exists()


def test_persistent_id_in_header_refused(tmp_path):
    refused(write_legacy(tmp_path / "hdr.pt", dumps({}), magic=dumps(Pid(("storage",)))), "header pickle")


@pytest.mark.parametrize("name", ["whole_module_zip.pt", "whole_module_legacy.pt"])
def test_whole_module_refused(name):
    error = refused(PICKLE_FIXTURES / name, "refused to load global")
    assert "torch.nn.modules" in str(error)


@pytest.mark.parametrize(
    "target",
    [G("torch._utils", "_rebuild_tensor_v2"), G("collections", "OrderedDict"), G("torch", "float32"),
     G("torch", "FloatStorage")],
    ids=["function", "class", "dtype", "storage_type"],
)
def test_build_on_allowed_global_refused(tmp_path, target):
    # BUILD with slot state would setattr on the shared object, e.g. change the
    # rebuild function's defaults so every later load negates its tensors.
    poison = Build(target, (None, {"__defaults__": (False, None, {"neg": True})}))
    refused(write_zip(tmp_path / "poison.pt", dumps({"p": poison})), "set attributes")
    got = load_torch_checkpoint(PICKLE_FIXTURES / "state_zip.pt")
    np.testing.assert_array_equal(got["b"]["offset_slice"], np.arange(7, 12, dtype=np.float32))
