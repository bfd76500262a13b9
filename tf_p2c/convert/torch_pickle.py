"""Read PyTorch ``.pt`` checkpoints without torch and without running pickled code.

The photo2cartoon release ships ``photo2cartoon_weights.pt``: a dict of PyTorch
state dicts written by ``torch.save``.  This module turns such a file into plain
Python containers holding numpy arrays, so the TensorFlow port can import the
weights on machines where torch is not installed.

File formats
------------
``torch.save`` has produced two layouts that are still found in the wild:

* **zip format** (the default since torch 1.6).  A zip archive with one
  top-level folder whose name varies (``archive/`` when saved to a buffer, the
  file's stem when saved to a path).  Inside it:

  - ``data.pkl``: the pickled object.  Every storage is replaced by a
    *persistent id* ``('storage', storage_type, key, location, numel)``;
  - ``data/<key>``: the raw bytes of storage ``key`` (``numel`` elements);
  - ``byteorder`` (optional, torch >= 1.10): ``little`` or ``big``, the byte
    order of those raw bytes.  Files without it are little-endian.

* **legacy format** (torch 0.4 - 1.5, and ``_use_new_zipfile_serialization=False``).
  A sequence of pickles in one stream: the magic number
  ``0x1950a86a20f9469cfc6c``, the protocol version ``1001``, a ``sys_info``
  dict, the object pickle (persistent ids
  ``('storage', storage_type, root_key, location, numel, view_metadata)``), a
  pickle of the list of storage keys, then for each key in that order an
  8-byte little-endian element count followed by the storage's raw
  little-endian bytes.

The even older tar format (torch < 0.4) is recognised and refused.

Tensors are pickled as calls to ``torch._utils._rebuild_tensor_v2(storage,
storage_offset, size, stride, ...)``; dtypes added in torch 2.x (uint16,
float8, ...) use ``_rebuild_tensor_v3`` on a ``torch.storage.UntypedStorage``
with an explicit ``torch.<dtype>`` argument.  As of torch 2.13 the other dtypes
are still written with the old class names (``torch.FloatStorage``, ...).
Big-endian zip files are swapped per tensor dtype, untyped storages included
(torch's own loader leaves those unswapped).

Security
--------
Unpickling runs whatever callables the pickle names, so loading an untrusted
``.pt`` file with the standard unpickler, or with torch's own loader and ``weights_only=False``, is
arbitrary code execution.  Here every pickle, headers included, goes through
:class:`_RestrictedUnpickler`, whose ``find_class`` returns *our own*
stand-ins for the handful of globals a state dict needs and refuses every other
name (``os.system``, ``builtins.eval``, a pickled ``nn.Module`` class, ...).
The stand-ins only record what they are given; tensors become inert
placeholders that are checked against their storages (bounds, sizes) and
copied into numpy arrays only after the whole file has been parsed, so a bad
file never yields a partial result.
"""

from __future__ import annotations

import io
import math
import os
import pickle
import struct
import zipfile
from typing import Any

import numpy as np

__all__ = ["CheckpointError", "load_torch_checkpoint"]

_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_LEGACY_PROTOCOL = 1001
# A zero-stride tensor can claim any number of elements over a tiny storage;
# cap what one tensor may expand to so a hostile file cannot exhaust memory.
_MAX_TENSOR_ELEMENTS = 2**31
# Bytes read from a zip checkpoint, at most this many times the file's size (plus the slack):
# float weights barely compress, so a re-zipped checkpoint stays far below it.
_MAX_INFLATION = 20
_INFLATION_SLACK = 1 << 20


# Root storage key -> its raw bytes (bytes from zip members, bytearray from legacy streams).
_Buffers = dict[str, "bytes | bytearray"]


class CheckpointError(ValueError):
    """A checkpoint could not be read; the message is one line naming the file."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = " ".join(str(reason).split())
        super().__init__(f"{path}: {self.reason}")


class _Bad(Exception):
    """Internal failure; turned into CheckpointError once the path is attached."""


# --------------------------------------------------------------------------
# dtypes
# --------------------------------------------------------------------------

# torch dtype name -> numpy dtype name (None: needs ml_dtypes).
_NUMPY_DTYPES = {
    "float64": "float64",
    "float32": "float32",
    "float16": "float16",
    "bfloat16": None,
    "complex128": "complex128",
    "complex64": "complex64",
    "int64": "int64",
    "int32": "int32",
    "int16": "int16",
    "int8": "int8",
    "uint64": "uint64",
    "uint32": "uint32",
    "uint16": "uint16",
    "uint8": "uint8",
    "bool": "bool",
    "float8_e4m3fn": None,
    "float8_e5m2": None,
    "float8_e4m3fnuz": None,
    "float8_e5m2fnuz": None,
    "float8_e8m0fnu": None,
}

# Legacy storage class name -> torch dtype name.
_STORAGE_DTYPES = {
    "DoubleStorage": "float64",
    "FloatStorage": "float32",
    "HalfStorage": "float16",
    "BFloat16Storage": "bfloat16",
    "ComplexDoubleStorage": "complex128",
    "ComplexFloatStorage": "complex64",
    "LongStorage": "int64",
    "IntStorage": "int32",
    "ShortStorage": "int16",
    "CharStorage": "int8",
    "ByteStorage": "uint8",
    "BoolStorage": "bool",
}


def _numpy_dtype(torch_name: str) -> np.dtype:
    name = _NUMPY_DTYPES[torch_name]
    if name is not None:
        return np.dtype(name)
    try:
        import ml_dtypes
    except ImportError:
        raise _Bad(f"{torch_name} tensors need the ml_dtypes package, which is not installed") from None
    try:
        return np.dtype(getattr(ml_dtypes, torch_name))
    except AttributeError:
        raise _Bad(f"{torch_name} tensors are not supported by the installed ml_dtypes") from None


# --------------------------------------------------------------------------
# Inert stand-ins produced while unpickling
# --------------------------------------------------------------------------


class _Inert:
    """Base of the placeholders: pickle's BUILD opcode cannot set anything on them.

    Without ``__setstate__`` BUILD would fall back to ``setattr``; on a shared
    object (an allowed global) that could, say, rewrite a function's
    ``__defaults__`` and silently alter every later load in the process.
    """

    __slots__ = ()
    _label = "object"

    def __setstate__(self, state: Any) -> None:
        raise _Bad(f"pickle tried to set attributes on a {self._label} (BUILD opcode)")


class _Callable(_Inert):
    """What an allowed function or class resolves to: callable, nothing else."""

    __slots__ = ("_fn",)
    _label = "torch global"

    def __init__(self, fn) -> None:
        self._fn = fn

    def __call__(self, *args):
        return self._fn(*args)


class _StorageType(_Inert):
    """What ``torch.FloatStorage`` etc. resolve to; ``dtype`` None = untyped bytes."""

    __slots__ = ("name", "dtype")
    _label = "storage class"

    def __init__(self, name: str, dtype: str | None) -> None:
        self.name = name
        self.dtype = dtype


class _Dtype(_Inert):
    """What ``torch.float32`` etc. resolve to."""

    __slots__ = ("name",)
    _label = "dtype"

    def __init__(self, name: str) -> None:
        self.name = name


class _Storage(_Inert):
    """A (possibly offset) window onto a root storage's bytes."""

    __slots__ = ("key", "dtype", "byte_offset", "nbytes")
    _label = "storage"

    def __init__(self, key: str, dtype: np.dtype, byte_offset: int, nbytes: int) -> None:
        self.key = key  # root storage key: where the bytes live
        self.dtype = dtype  # uint8 for untyped storages
        self.byte_offset = byte_offset
        self.nbytes = nbytes


class _Tensor(_Inert):
    """A tensor's recipe: which storage, which dtype, and the view geometry (in elements)."""

    __slots__ = ("storage", "dtype", "offset", "size", "stride", "negate", "conjugate")
    _label = "tensor"

    def __init__(self, storage, dtype, offset, size, stride, negate=False, conjugate=False):
        self.storage = storage
        self.dtype = dtype
        self.offset = offset
        self.size = size
        self.stride = stride
        self.negate = negate
        self.conjugate = conjugate


class _StateDict(dict):
    """Stand-in for ``collections.OrderedDict`` (plain dicts keep order too)."""

    __slots__ = ()

    def __setstate__(self, state: Any) -> None:
        # state_dict() attaches a `_metadata` attribute (module versions) via
        # BUILD; it carries no weights, so it is dropped.
        pass


def _int_tuple(value: Any, what: str) -> tuple[int, ...]:
    if not isinstance(value, (tuple, list)) or not all(type(v) is int for v in value):
        raise _Bad(f"tensor {what} must be a tuple of ints, got {type(value).__name__}")
    return tuple(value)


def _tensor_metadata(metadata: Any) -> tuple[bool, bool]:
    # torch records the lazy negation / conjugation bits here; apply them.
    if metadata is None:
        return False, False
    if not isinstance(metadata, dict) or not set(metadata) <= {"neg", "conj"}:
        raise _Bad(f"unsupported tensor metadata {metadata!r}")
    return bool(metadata.get("neg")), bool(metadata.get("conj"))


def _make_tensor(storage, offset, size, stride, dtype, metadata) -> _Tensor:
    if not isinstance(storage, _Storage):
        raise _Bad(f"tensor built on a {type(storage).__name__} instead of a storage")
    if type(offset) is not int:
        raise _Bad("tensor storage offset must be an int")
    size = _int_tuple(size, "size")
    stride = _int_tuple(stride, "stride")
    if len(size) != len(stride):
        raise _Bad(f"tensor size {size} and stride {stride} differ in length")
    negate, conjugate = _tensor_metadata(metadata)
    return _Tensor(storage, dtype, offset, size, stride, negate, conjugate)


# The stand-ins mirror torch._utils' signatures; requires_grad and backward
# hooks are training state and are ignored.


def _rebuild_tensor(storage, storage_offset, size, stride):
    return _make_tensor(storage, storage_offset, size, stride, getattr(storage, "dtype", None), None)


def _rebuild_tensor_v2(
    storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None, metadata=None
):
    return _make_tensor(storage, storage_offset, size, stride, getattr(storage, "dtype", None), metadata)


def _rebuild_tensor_v3(
    storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype, metadata=None
):
    # torch 2.x dtypes (uint16, float8, ...) live on untyped byte storages.
    if not isinstance(dtype, _Dtype):
        raise _Bad(f"_rebuild_tensor_v3 dtype argument is a {type(dtype).__name__}")
    return _make_tensor(storage, storage_offset, size, stride, _numpy_dtype(dtype.name), metadata)


def _rebuild_parameter(data, requires_grad=False, backward_hooks=None):
    # A Parameter is just its data here; requires_grad and hooks are training state.
    if not isinstance(data, _Tensor):
        raise _Bad(f"Parameter wraps a {type(data).__name__} instead of a tensor")
    return data


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    # `state` holds extra Python attributes set on the Parameter; not weights.
    return _rebuild_parameter(data, requires_grad, backward_hooks)


def _torch_size(dims=()):
    return _int_tuple(dims, "torch.Size")


def _allowed_globals() -> dict[tuple[str, str], Any]:
    functions = {
        ("collections", "OrderedDict"): _StateDict,
        ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
        ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
        ("torch._utils", "_rebuild_tensor_v3"): _rebuild_tensor_v3,
        ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
        ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter_with_state,
        ("torch", "Size"): _torch_size,
    }
    allowed: dict[tuple[str, str], Any] = {name: _Callable(fn) for name, fn in functions.items()}
    for cls_name, dtype in _STORAGE_DTYPES.items():
        allowed[("torch", cls_name)] = _StorageType(cls_name, dtype)
    untyped = _StorageType("UntypedStorage", None)
    allowed[("torch", "UntypedStorage")] = untyped
    allowed[("torch.storage", "UntypedStorage")] = untyped
    for dtype in _NUMPY_DTYPES:
        allowed[("torch", dtype)] = _Dtype(dtype)
    return allowed


_ALLOWED_GLOBALS = _allowed_globals()


class _RestrictedUnpickler(pickle.Unpickler):
    """Unpickler that can only build state-dict shaped data.

    ``find_class`` is the only way a pickle can reach a callable (GLOBAL,
    STACK_GLOBAL, INST, OBJ and the EXT opcodes all go through it), so an
    allow-list there is what stops code execution.  ``persistent_load`` is
    handed in by the format reader; header pickles get none.
    """

    def __init__(self, file, persistent_load=None) -> None:
        super().__init__(file)
        self._persistent = persistent_load

    def find_class(self, module: str, name: str) -> Any:
        try:
            return _ALLOWED_GLOBALS[(module, name)]
        except (KeyError, TypeError):
            raise _Bad(
                f"refused to load global '{module}.{name}': only state dicts (tensors, dicts, "
                "lists, numbers, strings) can be read; pickled modules or other Python objects "
                "would run code"
            ) from None

    def persistent_load(self, pid: Any) -> Any:
        if self._persistent is None:
            raise _Bad("unexpected persistent id in a header pickle")
        return self._persistent(pid)


def _unpickle(file, persistent_load=None) -> Any:
    try:
        return _RestrictedUnpickler(file, persistent_load).load()
    except _Bad:
        raise
    except EOFError:
        raise _Bad("truncated file (pickle data ends early)") from None
    except pickle.UnpicklingError as exc:
        if "truncated" in str(exc):
            raise _Bad("truncated file (pickle data ends early)") from None
        raise _Bad(f"corrupt pickle data ({exc})") from None
    except RecursionError:
        raise _Bad("pickle nests too deeply") from None
    except Exception as exc:  # malformed opcodes, bad call arguments, ...
        raise _Bad(f"corrupt pickle data ({type(exc).__name__}: {exc})") from None


# --------------------------------------------------------------------------
# Storage bookkeeping shared by both formats
# --------------------------------------------------------------------------


class _StorageTable:
    """Root storages referenced by the pickle: key -> (dtype, nbytes)."""

    def __init__(self) -> None:
        self.roots: dict[str, tuple[np.dtype, int]] = {}
        self._views: dict[Any, _Storage] = {}

    def root(self, storage_type: Any, key: Any, numel: Any) -> _Storage:
        if not isinstance(storage_type, _StorageType):
            raise _Bad(f"storage type is a {type(storage_type).__name__}, not a torch storage class")
        if not isinstance(key, str) or not key:
            raise _Bad(f"invalid storage key {key!r}")
        if type(numel) is not int or numel < 0:
            raise _Bad(f"invalid element count {numel!r} for storage {key!r}")
        dtype = np.dtype(np.uint8) if storage_type.dtype is None else _numpy_dtype(storage_type.dtype)
        nbytes = numel * dtype.itemsize
        known = self.roots.setdefault(key, (dtype, nbytes))
        if known != (dtype, nbytes):
            raise _Bad(f"storage {key!r} is declared twice with different dtype or size")
        cache_key = (key, None)
        if cache_key not in self._views:
            self._views[cache_key] = _Storage(key, dtype, 0, nbytes)
        return self._views[cache_key]

    def view(self, root: _Storage, view_key: Any, offset: Any, numel: Any) -> _Storage:
        # Only pre-1.0 legacy files have storage views: a slice of a root storage.
        if type(offset) is not int or type(numel) is not int or offset < 0 or numel < 0:
            raise _Bad(f"invalid storage view {view_key!r}")
        item = root.dtype.itemsize
        if (offset + numel) * item > root.nbytes:
            raise _Bad(f"storage view {view_key!r} lies outside storage {root.key!r}")
        cache_key = (root.key, view_key)
        if cache_key not in self._views:
            self._views[cache_key] = _Storage(root.key, root.dtype, offset * item, numel * item)
        return self._views[cache_key]


def _split_persistent_id(pid: Any, length: int) -> tuple:
    if not isinstance(pid, tuple) or not pid:
        raise _Bad(f"unexpected persistent id {type(pid).__name__}")
    if pid[0] == "module":
        raise _Bad("the file pickles a whole nn.Module; only state dicts can be read safely")
    if pid[0] != "storage" or len(pid) != length:
        raise _Bad(f"unexpected persistent id of kind {pid[0]!r}")
    return pid[1:]


# --------------------------------------------------------------------------
# Format readers: each returns (object tree, {root key: bytes}, big_endian)
# --------------------------------------------------------------------------


def _read_zip(f) -> tuple[Any, _Buffers, bool]:
    try:
        zf = zipfile.ZipFile(f)
    except Exception as exc:  # noqa: BLE001 (zipfile raises BadZipFile, NotImplementedError, struct.error, ...)
        raise _Bad(f"truncated or corrupt zip archive ({exc})") from None
    # Everything read from the archive together: torch.save stores members uncompressed, so a
    # file that inflates far beyond its own size is a decompression bomb, refused before reading.
    budget = [_MAX_INFLATION * os.fstat(f.fileno()).st_size + _INFLATION_SLACK]
    with zf:
        names = zf.namelist()
        pickles = [n for n in names if n.count("/") == 1 and n.endswith("/data.pkl")]
        if len(pickles) != 1:
            found = "no" if not pickles else "several"
            raise _Bad(f"zip archive with {found} '<folder>/data.pkl': not a PyTorch checkpoint")
        prefix = pickles[0][: -len("data.pkl")]
        if prefix + "constants.pkl" in names:
            raise _Bad("TorchScript archive (torch.jit.save) is not supported; save a state_dict instead")

        def member(name: str, expected: int | None = None) -> bytes:
            try:
                info = zf.getinfo(name)
                budget[0] -= info.file_size
                if budget[0] < 0:
                    raise _Bad(f"zip member '{name}' inflates to {info.file_size} bytes, more than "
                               f"{_MAX_INFLATION}x the file's size read in all; a decompression bomb?")
                if expected is not None and info.file_size != expected:
                    shape = "truncated" if info.file_size < expected else "oversized"
                    raise _Bad(f"{shape} zip member '{name}': {info.file_size} bytes, expected {expected}")
                return zf.read(info)
            except _Bad:
                raise
            except KeyError:
                raise _Bad(f"zip member '{name}' is missing") from None
            except Exception as exc:  # CRC mismatch, short read, bad compression, ...
                raise _Bad(f"cannot read zip member '{name}' ({type(exc).__name__}: {exc})") from None

        big_endian = False
        if prefix + "byteorder" in names:
            order = member(prefix + "byteorder").decode("ascii", "replace").strip()
            if order not in ("little", "big"):
                raise _Bad(f"unknown byteorder record {order!r}")
            big_endian = order == "big"

        table = _StorageTable()

        def persistent_load(pid: Any) -> _Storage:
            storage_type, key, _location, numel = _split_persistent_id(pid, 5)
            return table.root(storage_type, key, numel)

        obj = _unpickle(io.BytesIO(member(prefix + "data.pkl")), persistent_load)
        # Read each referenced storage exactly once, after the pickle parsed cleanly.
        data = {key: member(f"{prefix}data/{key}", nbytes) for key, (_, nbytes) in table.roots.items()}
    return obj, data, big_endian


def _read_legacy(f) -> tuple[Any, _Buffers, bool]:
    magic = _unpickle(f)
    if type(magic) is not int or magic != _LEGACY_MAGIC:
        raise _Bad("not a PyTorch checkpoint (pickle without the torch magic number)")
    version = _unpickle(f)
    if version != _LEGACY_PROTOCOL:
        raise _Bad(f"unsupported legacy protocol version {version!r}")
    sys_info = _unpickle(f)
    if not isinstance(sys_info, dict):
        raise _Bad("corrupt legacy header (sys_info is not a dict)")

    table = _StorageTable()

    def persistent_load(pid: Any) -> _Storage:
        storage_type, root_key, _location, numel, view = _split_persistent_id(pid, 6)
        root = table.root(storage_type, root_key, numel)
        if view is None:
            return root
        if not isinstance(view, tuple) or len(view) != 3:
            raise _Bad("corrupt storage view metadata")
        return table.view(root, *view)

    obj = _unpickle(f, persistent_load)
    keys = _unpickle(f)
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys) or len(set(keys)) != len(keys):
        raise _Bad("corrupt storage key list")
    if set(keys) != set(table.roots):
        raise _Bad("storage key list does not match the storages the pickle references")

    # The writer always emits little-endian counts and data, whatever the host.
    file_size = f.getbuffer().nbytes
    data: _Buffers = {}
    for key in keys:
        dtype, nbytes = table.roots[key]
        head = f.read(8)
        if len(head) != 8:
            raise _Bad(f"truncated file (storage {key!r} header missing)")
        (count,) = struct.unpack("<q", head)
        if count * dtype.itemsize != nbytes:
            raise _Bad(f"storage {key!r} holds {count} elements, expected {nbytes // dtype.itemsize}")
        if nbytes > file_size - f.tell():  # checked before allocating the buffer
            raise _Bad(f"truncated file (storage {key!r} needs {nbytes} bytes, {file_size - f.tell()} left)")
        buf = bytearray(nbytes)
        got = f.readinto(buf)
        if got != nbytes:
            raise _Bad(f"truncated file (storage {key!r} has {got} of {nbytes} bytes)")
        data[key] = buf
    return obj, data, False


# --------------------------------------------------------------------------
# Turning the placeholder tree into numpy
# --------------------------------------------------------------------------


def _storage_array(storage: _Storage, data: _Buffers) -> np.ndarray:
    # A storage saved on its own (not inside a tensor) is returned as a 1-D array.
    buf = data[storage.key]
    count = storage.nbytes // storage.dtype.itemsize
    return np.frombuffer(buf, storage.dtype, count, storage.byte_offset).copy()


def _tensor_array(t: _Tensor, data: _Buffers, big_endian: bool) -> np.ndarray:
    dtype = t.dtype
    if t.offset < 0 or any(s < 0 for s in t.size) or any(s < 0 for s in t.stride):
        raise _Bad(f"negative offset, size or stride in tensor of shape {t.size}")
    numel = math.prod(t.size)
    if numel > _MAX_TENSOR_ELEMENTS:
        raise _Bad(f"tensor of shape {t.size} is too large")
    if numel == 0:
        return np.zeros(t.size, dtype)
    available = t.storage.nbytes // dtype.itemsize
    extent = t.offset + 1 + sum((s - 1) * st for s, st in zip(t.size, t.stride))
    if extent > available:
        raise _Bad(
            f"tensor of shape {t.size}, stride {t.stride}, offset {t.offset} needs {extent} "
            f"elements but its storage holds {available} (out of bounds)"
        )
    flat = np.frombuffer(data[t.storage.key], dtype, available, t.storage.byte_offset)
    view = np.lib.stride_tricks.as_strided(
        flat[t.offset :],
        shape=t.size,
        strides=tuple(s * dtype.itemsize for s in t.stride),
        writeable=False,
    )
    out = np.array(view, order="C", copy=True)
    if big_endian and dtype.itemsize > 1:
        out.byteswap(inplace=True)  # swaps complex halves separately, as torch does
    if t.negate:
        out = np.negative(out)
    if t.conjugate:
        out = np.conjugate(out)
    return out


_SCALARS = (str, bytes, int, float, complex, bool, type(None))


def _is_plain_key(key: Any) -> bool:
    if isinstance(key, tuple):
        return all(_is_plain_key(k) for k in key)
    return isinstance(key, _SCALARS)


def _to_numpy_tree(obj: Any, data: _Buffers, big_endian: bool) -> Any:
    memo: dict[int, Any] = {}  # keeps shared objects shared, and copies each once
    active: set[int] = set()

    def convert(node: Any) -> Any:
        if isinstance(node, _SCALARS):
            return node
        ident = id(node)
        if ident in memo:
            return memo[ident]
        if ident in active:
            raise _Bad("self-referencing container")
        active.add(ident)
        if isinstance(node, _Tensor):
            out = _tensor_array(node, data, big_endian)
        elif isinstance(node, _Storage):
            out = _storage_array(node, data)
        elif isinstance(node, _Dtype):
            out = _numpy_dtype(node.name)
        elif isinstance(node, dict):
            out = {}
            for key, value in node.items():
                if not _is_plain_key(key):
                    raise _Bad(f"unsupported dict key of type {type(key).__name__}")
                out[key] = convert(value)
        elif isinstance(node, list):
            out = [convert(v) for v in node]
        elif isinstance(node, tuple):
            out = tuple(convert(v) for v in node)
        elif isinstance(node, (set, frozenset)) and all(isinstance(v, _SCALARS) for v in node):
            out = node
        else:
            raise _Bad(f"unsupported value of type {type(node).__name__}")
        active.discard(ident)
        memo[ident] = out
        return out

    try:
        return convert(obj)
    except RecursionError:
        raise _Bad("containers nest too deeply") from None


# --------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------


def load_torch_checkpoint(path: str | os.PathLike) -> dict:
    """Load a ``torch.save`` checkpoint as plain Python data with numpy arrays.

    Tensors and ``nn.Parameter`` become C-contiguous numpy arrays (own copies,
    strides and storage offsets applied), ``OrderedDict`` becomes ``dict`` (order
    kept), ``torch.Size`` becomes ``tuple``; lists, tuples, numbers and strings
    are returned as they are.  bfloat16 / float8 use ``ml_dtypes``.

    Raises:
        CheckpointError: the file is missing, empty, not a torch checkpoint,
            truncated or corrupt, names a global outside the allow-list, or a
            tensor does not fit its storage.  Nothing is returned in that case.
    """
    name = os.fspath(path)
    display = name if isinstance(name, str) else os.fsdecode(name)
    try:
        return _load(name)
    except _Bad as exc:
        raise CheckpointError(display, str(exc)) from None


def _load(path) -> dict:
    if not os.path.exists(path):
        raise _Bad("file not found")
    if os.path.isdir(path):
        raise _Bad("is a directory, not a checkpoint file")
    try:
        f = open(path, "rb")
    except OSError as exc:
        raise _Bad(f"cannot open file ({exc.strerror or exc})") from None
    with f:
        head = f.read(512)
        f.seek(0)
        if not head:
            raise _Bad("empty file")
        if head.startswith(b"PK\x03\x04"):
            obj, data, big_endian = _read_zip(f)
        elif len(head) >= 262 and head[257:262] == b"ustar":
            raise _Bad("legacy tar checkpoint (torch < 0.4) is not supported; re-save it with a newer torch")
        elif head[:1] == b"\x80":  # pickle PROTO opcode: the legacy stream
            # From memory: the unpickler allocates whatever length a pickle opcode claims when it
            # reads a file, but a BytesIO never returns more than it holds.
            obj, data, big_endian = _read_legacy(io.BytesIO(f.read()))
        else:
            raise _Bad("not a PyTorch checkpoint (neither a zip archive nor a legacy pickle stream)")
    result = _to_numpy_tree(obj, data, big_endian)
    if not isinstance(result, dict):
        raise _Bad(f"top-level object is a {type(result).__name__}, expected a dict")
    return result
