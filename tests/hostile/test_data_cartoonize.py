"""Hostile inputs to `preprocess`, `cartoonize` and `data-service`: nothing lost, nothing exposed, nothing hangs.

One test per case: outputs that would land on inputs, a save path that is a file, outputs checked
before any is written, FIFOs and devices among the photos, model files that are not models,
listening sockets, and the permissions of atomically written files.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import stat
import threading
import zipfile

import numpy as np
import pytest
from PIL import Image

from tf_p2c.cli import main
from paths import FIXTURES, SAMPLE, TESTS, TINY_ONNX


FACES = os.path.join(FIXTURES, "faces")
FAKE_FACTORY = "p2c_fake_face:FakePreprocessor"  # tests/preprocess/p2c_fake_face.py


def run_cli(capsys, *args, deadline_s: float = 120.0):
    """`python -m tf_p2c ARGS` in this process; fails (instead of hanging) past `deadline_s`."""
    outcome = {}
    thread = threading.Thread(target=lambda: outcome.setdefault("code", main(list(args))), daemon=True)
    thread.start()
    thread.join(deadline_s)
    assert not thread.is_alive(), f"{args[0]} still running after {deadline_s} s"
    captured = capsys.readouterr()
    return outcome["code"], captured.out, captured.err


def one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip() and not line.startswith("INFO:")]
    assert len(lines) == 1, stderr
    return lines[0]


@pytest.fixture
def fake_preprocessor(monkeypatch):
    """The model-free preprocessor of tests/data, importable here and in spawned workers."""
    from tf_p2c.preprocess.photo import FACTORY_ALLOWLIST_ENV, FaceOptions

    monkeypatch.syspath_prepend(os.path.join(TESTS, "preprocess"))
    monkeypatch.setenv(FACTORY_ALLOWLIST_ENV, FAKE_FACTORY)
    return FaceOptions(factory=FAKE_FACTORY, out_size=32)


def solid_photo(path, blue=70):
    """A photo the fake preprocessor finds one face in."""
    Image.fromarray(np.full((80, 80, 3), (30, 0, blue), np.uint8)).save(path)


@pytest.mark.parametrize("layout", ["same", "save_holds_data", "symlink_to_data"])
def test_preprocess_refuses_a_save_path_where_outputs_could_land_on_photos(tmp_path, capsys, layout):
    data = tmp_path / "photos"
    data.mkdir()
    solid_photo(data / "photo.png")
    (data / "sub").mkdir()
    solid_photo(data / "sub" / "photo.png")
    before = {p: p.read_bytes() for p in data.rglob("*.png")}
    save = {"same": data, "save_holds_data": tmp_path, "symlink_to_data": tmp_path / "link"}[layout]
    if layout == "symlink_to_data":
        os.symlink(data, save)
    code, _, err = run_cli(capsys, "preprocess", "--data_path", str(data), "--save_path", str(save), "--no-progress")
    assert code == 2
    assert "--data_path" in one_error_line(err) and str(save) in err
    assert {p: p.read_bytes() for p in data.rglob("*.png")} == before
    assert sorted(os.listdir(data)) == ["photo.png", "sub"]  # no manifest, job file or crops


def test_preprocess_save_path_that_is_a_file(tmp_path, capsys):
    data = tmp_path / "photos"
    data.mkdir()
    solid_photo(data / "a.png")
    existing = tmp_path / "notes.txt"
    existing.write_text("keep me")
    code, _, err = run_cli(capsys, "preprocess", "--data_path", str(data), "--save_path", str(existing))
    assert code == 2
    line = one_error_line(err)
    assert str(existing) in line and "not a folder" in line and "Errno" not in line
    assert existing.read_text() == "keep me"


def test_cartoonize_checks_every_output_before_writing_any(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    # Only the paste-back output exists: the old check looked at the first name only.
    (out / "portrait_pasted.png").write_bytes(b"mine")
    portrait = tmp_path / "portrait.png"
    shutil.copy(SAMPLE, portrait)
    code, stdout, stderr = run_cli(capsys, "cartoonize", str(portrait), "-o", str(out), "--weights", TINY_ONNX,
                                   "--paste-back")
    assert code == 0 and "skipped 1" in stdout and "portrait_pasted.png" in stderr
    assert (out / "portrait_pasted.png").read_bytes() == b"mine"
    assert sorted(os.listdir(out)) == ["portrait_pasted.png"]  # nothing else written for that photo

    # Face names are known only once the faces are counted: checked then, before any write.
    (out / "two_faces_face1_cartoon.png").write_bytes(b"mine too")
    code, stdout, stderr = run_cli(capsys, "cartoonize", os.path.join(FACES, "two_faces.jpg"), "-o", str(out),
                                   "--weights", TINY_ONNX, "--all-faces")
    assert code == 0 and "skipped 1" in stdout and "two_faces_face1_cartoon.png" in stderr
    assert (out / "two_faces_face1_cartoon.png").read_bytes() == b"mine too"
    assert not (out / "two_faces_face0_cartoon.png").exists()

    code, stdout, _ = run_cli(capsys, "cartoonize", str(portrait), "-o", str(out), "--weights", TINY_ONNX,
                              "--paste-back", "--overwrite")
    assert code == 0 and "done 1" in stdout and (out / "portrait_pasted.png").read_bytes() != b"mine"


@pytest.fixture
def special_files(tmp_path):
    """A folder with a real photo, a FIFO and a symlink to /dev/zero, all named like images."""
    folder = tmp_path / "in"
    folder.mkdir()
    os.mkfifo(folder / "fifo.jpg")
    os.symlink("/dev/zero", folder / "zero.png")
    yield folder
    # Should a reader ever block on the FIFO again, give it a writer so the thread can end.
    with contextlib.suppress(OSError):
        os.close(os.open(folder / "fifo.jpg", os.O_WRONLY | os.O_NONBLOCK))


def test_fifos_and_devices_among_the_photos_fail_alone(special_files, tmp_path, capsys, fake_preprocessor):
    shutil.copy(SAMPLE, special_files / "portrait.png")
    direct = tmp_path / "direct.jpg"  # a FIFO named on the command line, not found in a folder
    os.mkfifo(direct)
    out = tmp_path / "cartoons"
    code, stdout, stderr = run_cli(capsys, "cartoonize", str(direct), str(special_files), "-o", str(out),
                                   "--weights", TINY_ONNX, deadline_s=120)
    assert code == 1, stderr
    assert "done 1, no face 0, failed 3" in stdout
    assert "direct.jpg: failed: not a regular file (a FIFO)" in stderr
    assert "fifo.jpg: failed: not a regular file (a FIFO)" in stderr
    assert "zero.png: failed: not a regular file (a character device)" in stderr
    assert sorted(os.listdir(out)) == ["portrait_cartoon.png"]

    from tf_p2c.preprocess.job import JobConfig, run_preprocess
    from tf_p2c.preprocess import manifest as manifest_lib

    (special_files / "portrait.png").unlink()
    solid_photo(special_files / "photo.png")
    save = tmp_path / "faces"
    summary = run_preprocess(JobConfig(str(special_files), str(save), face=fake_preprocessor, workers=2,
                                       progress=False))
    assert (summary.ok, summary.error) == (1, 2)
    records = manifest_lib.read_manifest(str(save / "manifest.jsonl"))
    assert "not a regular file (a FIFO)" in records["fifo.jpg"].reason
    assert "not a regular file (a character device)" in records["zero.png"].reason

    # Regular files are read up to a byte cap, never further.
    from tf_p2c.image_io import ImageReadError, read_image

    with pytest.raises(ImageReadError, match="over 1000 bytes"):
        read_image(SAMPLE, max_bytes=1000)


def one_conv_onnx(path, out_channels: int):
    """A 3 -> `out_channels` 1x1 convolution on 64x64 NCHW: runs, but is no generator when != 3."""
    from onnx import TensorProto, helper, numpy_helper

    weight = numpy_helper.from_array(np.ones((out_channels, 3, 1, 1), np.float32), "w")
    graph = helper.make_graph(
        [helper.make_node("Conv", ["x", "w"], ["y"])], "one_conv",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 64, 64])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, out_channels, 64, 64])], [weight])
    path.write_bytes(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]).SerializeToString())


def add_only_onnx(path):
    """y = a + b with two open-shaped inputs: ONNX Runtime loads it, nothing about it is a generator."""
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("Add", ["a", "b"], ["y"])], "add",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, ["n", "c", "h", "w"]) for n in ("a", "b")],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", "c", "h", "w"])])
    path.write_bytes(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]).SerializeToString())


@pytest.mark.parametrize("model", ["random_seg_model", "one_conv_generator", "add_only_generator"])
def test_model_files_that_are_not_models_are_refused_before_any_output(tmp_path, capsys, model):
    weights, extra = TINY_ONNX, []
    if model == "random_seg_model":
        bad = tmp_path / "random.pt"
        bad.write_bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes())
        extra = ["--segmenter", "original", "--seg-model", str(bad)]
    elif model == "one_conv_generator":
        weights = tmp_path / "conv.onnx"
        one_conv_onnx(weights, out_channels=1)
    else:
        weights = tmp_path / "add.onnx"
        add_only_onnx(weights)
    out = tmp_path / "out"
    code, _, stderr = run_cli(capsys, "cartoonize", SAMPLE, "-o", str(out), "--weights", str(weights),
                              "--backend", "onnx", *extra)
    assert code == 1
    line = one_error_line(stderr)
    assert line.startswith("error: ") and "Traceback" not in stderr
    expected = {"random_seg_model": "segmentation model", "one_conv_generator": "not a photo2cartoon generator",
                "add_only_generator": "takes 2 inputs"}[model]
    assert expected in line
    assert not out.exists()  # the output folder is made only once inputs and models are known good


def test_a_three_channel_one_conv_model_still_loads(tmp_path):
    """The generator check is not a blanket refusal: a model that fits the contract runs."""
    from tf_p2c.runtimes import make_runner

    path = tmp_path / "conv3.onnx"
    one_conv_onnx(path, out_channels=3)
    runner = make_runner("onnx", path)
    assert runner.input_size == 64 and runner.nchw
    assert runner(np.zeros((1, 64, 64, 3), np.float32)).shape == (1, 64, 64, 3)


def _exposed_listeners() -> set[tuple[str, str]]:
    """(local address, inode) of TCP sockets listening on an address other than loopback."""
    found = set()
    for table, loopback in (("/proc/net/tcp", ("0100007F",)), ("/proc/net/tcp6", ("00000000000000000000000001000000",))):
        with contextlib.suppress(FileNotFoundError), open(table) as f:
            for row in list(f)[1:]:
                fields = row.split()
                address, state, inode = fields[1], fields[3], fields[9]
                if state == "0A" and address.split(":")[0] not in loopback:
                    found.add((address, inode))
    return found


def test_local_processes_and_data_service_listen_on_no_network_port(tmp_path, capsys, monkeypatch,
                                                                    fake_preprocessor):
    from tf_p2c.preprocess import service
    from tf_p2c.preprocess.job import JobConfig, run_preprocess

    data = tmp_path / "in"
    data.mkdir()
    for i in range(6):
        solid_photo(data / f"p{i}.png", blue=70 + i)
    monkeypatch.setenv("P2C_FAKE_SLEEP", "0.3")
    before = _exposed_listeners()
    seen: set = set()
    stop = threading.Event()

    def watch():
        while not stop.wait(0.05):
            seen.update(_exposed_listeners() - before)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        summary = run_preprocess(JobConfig(str(data), str(tmp_path / "out"), face=fake_preprocessor, processes=2,
                                           progress=False))
    finally:
        stop.set()
        watcher.join(5)
    assert summary.ok == 6
    assert not seen, f"--processes opened network-reachable listening sockets: {seen}"

    # data-service on loopback (the default --host) cannot be kept there while a network interface is up.
    monkeypatch.setattr(service, "network_interfaces_up", lambda: ["eth9"])
    monkeypatch.setattr(service, "start_dispatcher", lambda *a, **k: pytest.fail("dispatcher started"))
    monkeypatch.setattr(service, "start_worker", lambda *a, **k: pytest.fail("worker started"))
    for args in (["dispatcher", "--port", "0"], ["worker", "--dispatcher", "127.0.0.1:5050"]):
        code, _, err = run_cli(capsys, "data-service", *args)
        line = one_error_line(err)
        assert code == 2 and "every interface" in line and "eth9" in line and "arbitrary graphs" in line


@pytest.mark.parametrize("umask", [0o022, 0o077], ids=["umask022", "umask077"])
def test_atomic_writes_give_the_modes_of_a_plain_write(tmp_path, monkeypatch, umask):
    from tf_p2c import atomic_write, image_io
    from tf_p2c.data.tfrecords import AtomicShardWriter
    from tf_p2c.face import install_models

    old = os.umask(umask)
    try:
        image_io.write_bytes_atomic(tmp_path / "new" / "a.bin", b"x")
        image_io.write_image_atomic(tmp_path / "b.png", np.zeros((4, 4, 3), np.uint8))
        with AtomicShardWriter(str(tmp_path / "c.tfrecord")) as shard:
            shard.write(b"record")
        wheel = tmp_path / "mediapipe.whl"
        with zipfile.ZipFile(wheel, "w") as zf:
            zf.writestr(install_models.MEMBER, b"model bytes")
        monkeypatch.setattr(install_models, "SELFIE_SHA256", hashlib.sha256(b"model bytes").hexdigest())
        install_models.extract_from_wheel(str(wheel), str(tmp_path / "d.tflite"))
        # Replacing a file keeps that file's mode, as writing into it would.
        kept = tmp_path / "kept.bin"
        kept.write_bytes(b"old")
        os.chmod(kept, 0o640)
        with atomic_write.atomic_path(kept) as tmp:
            with open(tmp, "wb") as f:
                f.write(b"new")
        plain = tmp_path / "plain.bin"
        plain.write_bytes(b"")
    finally:
        os.umask(old)
    mode = stat.S_IMODE(plain.stat().st_mode)
    assert mode == 0o666 & ~umask
    for name in ("new/a.bin", "b.png", "c.tfrecord", "d.tflite"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == mode, name
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o777 & ~umask
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640 and kept.read_bytes() == b"new"
    assert not [p for p in tmp_path.rglob(".*.tmp")]
