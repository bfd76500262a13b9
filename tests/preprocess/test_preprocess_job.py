"""The preprocessing job's mechanics with a model-free face preprocessor (`p2c_fake_face`).

Outputs, manifest, resume, failure records, TFRecord shards and the CLI contract. Real faces
are in test_preprocess_faces.py; tf.data service in test_service.py.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from tf_p2c.preprocess import cli as data_cli
from tf_p2c.preprocess import manifest as manifest_lib
from tf_p2c.preprocess.outputs import output_stems
from tf_p2c.preprocess.job import JobConfig, JobError, run_preprocess
from tf_p2c.preprocess.photo import FaceOptions
from tf_p2c.data.tfrecords import parse_face_example

FAKE = FaceOptions(factory="p2c_fake_face:FakePreprocessor", out_size=64)


def photo(path, faces: int = 1, green: int = 0, size=(96, 128)) -> None:
    """Writes a solid photo the fake preprocessor sees `faces` faces in."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rgb = np.zeros(size + (3,), np.uint8)
    rgb[..., 2] = 60 * faces + 10
    rgb[..., 1] = green
    rgb[..., 0] = np.arange(size[1]) % 256  # some content
    Image.fromarray(rgb).save(path)


@pytest.fixture
def photos(tmp_path):
    data = tmp_path / "in"
    photo(data / "one.png", 1)
    photo(data / "two.png", 2)
    photo(data / "none.png", 0)
    photo(data / "sub" / "deep.png", 1)
    photo(data / "crash.png", 1, green=13)
    photo(data / "tiny.png", 1, size=(40, 40))
    (data / "text.jpg").write_bytes(b"hello, not a jpeg")
    (data / "empty.png").write_bytes(b"")
    (data / "notes.txt").write_text("not an image extension: never listed")
    return data


def cli_main(argv: list[str]) -> int:
    """What `python -m tf_p2c` does with the data commands (independent of the other commands)."""
    parser = argparse.ArgumentParser(prog="tf_p2c")
    data_cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def records(save_path) -> list[dict]:
    out = []
    with open(os.path.join(save_path, "manifest.jsonl")) as f:
        for line in f:
            try:
                out.append(json.loads(line))
            except ValueError:  # a torn line some tests write on purpose
                pass
    return out


def last_by_input(save_path) -> dict[str, dict]:
    return {r["input"]: r for r in records(save_path)}


def run(data, out, **kw):
    kw.setdefault("face", FAKE)
    return run_preprocess(JobConfig(str(data), str(out), workers=2, progress=False, **kw))


def test_png_outputs_and_manifest(photos, tmp_path):
    out = tmp_path / "out"
    summary = run(photos, out, mask_path=str(tmp_path / "masks"))
    assert (summary.total, summary.ok, summary.no_face, summary.error, summary.skipped) == (8, 3, 1, 4, 0)
    rec = last_by_input(out)
    assert set(rec) == {"one.png", "two.png", "none.png", "sub/deep.png", "crash.png", "tiny.png", "text.jpg",
                        "empty.png"}
    assert rec["one.png"] == {**rec["one.png"], "status": "ok", "faces": 1, "outputs": ["one.png"], "reason": ""}
    assert rec["two.png"]["status"] == "ok" and rec["two.png"]["reason"] == "2 faces found; kept the largest"
    assert rec["none.png"]["status"] == "no_face" and rec["none.png"]["outputs"] == []
    assert rec["sub/deep.png"]["outputs"] == ["sub/deep.png"]
    reasons = {k: rec[k]["reason"] for k in ("crash.png", "tiny.png", "text.jpg", "empty.png")}
    assert all(rec[k]["status"] == "error" for k in reasons)
    assert "boom in the landmark model" in reasons["crash.png"]
    assert "too small" in reasons["tiny.png"]
    assert "not an image" in reasons["text.jpg"]
    assert "empty" in reasons["empty.png"]
    assert all("\n" not in r for r in reasons.values())
    crop = np.asarray(Image.open(out / "one.png"))
    assert crop.shape == (64, 64, 3)
    mask = np.asarray(Image.open(tmp_path / "masks" / "one.png"))
    assert mask.shape == (64, 64) and mask.dtype == np.uint8 and int(mask[5, 5]) == 128
    assert not [f for f in os.listdir(out) if f.endswith(".tmp")]
    assert "4 failed" in summary.line("m") and "rerun to retry" in summary.line("m")


def test_all_faces_names(photos, tmp_path):
    out = tmp_path / "out"
    run(photos, out, face=FaceOptions(**{**FAKE.__dict__, "all_faces": True}))
    rec = last_by_input(out)
    assert rec["two.png"]["outputs"] == ["two_face0.png", "two_face1.png"]
    assert rec["two.png"]["reason"] == "2 faces found; kept all"
    assert rec["one.png"]["outputs"] == ["one_face0.png"]
    a, b = (np.asarray(Image.open(out / n)) for n in rec["two.png"]["outputs"])
    assert a[0, 0, 0] == 0 and b[0, 0, 0] == 1  # two distinct faces, largest first


def test_resume_skips_finished_and_redoes_unfinished(photos, tmp_path):
    out = tmp_path / "out"
    run(photos, out)
    # Simulate a crash: one output deleted after its "ok" record, a half-written temp left behind,
    # a torn last manifest line, and one photo whose output exists without a record.
    os.remove(out / "one.png")
    (out / ".two.png.abcd1234.tmp").write_bytes(b"\x89PNG half")
    lines = (out / "manifest.jsonl").read_text().splitlines(keepends=True)
    deep = [ln for ln in lines if '"sub/deep.png"' in ln]
    kept = [ln for ln in lines if ln not in deep]
    (out / "manifest.jsonl").write_text("".join(kept) + '{"input": "torn.png", "sta')
    summary = run(photos, out)
    # Redone: one.png (output gone), sub/deep.png (no record), the 4 errors. Skipped: two, none.
    assert (summary.skipped, summary.ok, summary.error) == (2, 2, 4)
    assert (out / "one.png").exists() and not (out / ".two.png.abcd1234.tmp").exists()
    rec = last_by_input(out)
    assert rec["two.png"]["status"] == "skipped" and rec["two.png"]["outputs"] == ["two.png"]
    assert rec["one.png"]["status"] == "ok" and rec["sub/deep.png"]["status"] == "ok"
    # Every line parses again after the torn one (the writer started a fresh line).
    unparsable = []
    for line in (out / "manifest.jsonl").read_text().splitlines():
        try:
            json.loads(line)
        except ValueError:
            unparsable.append(line)
    assert unparsable == ['{"input": "torn.png", "sta']
    # Third run: only the errors are retried.
    summary = run(photos, out)
    assert (summary.skipped, summary.ok, summary.error) == (4, 0, 4)


def test_tfrecord_shards(photos, tmp_path):
    out = tmp_path / "out"
    summary = run(photos, out, format="tfrecord", shards=2)
    assert summary.ok == 3
    shards = sorted(f for f in os.listdir(out) if f.endswith(".tfrecord"))
    assert 1 <= len(shards) <= 2 and all("-of-00002" in s for s in shards)
    examples = [parse_face_example(r) for r in tf.data.TFRecordDataset([str(out / s) for s in shards])]
    sources = sorted(e["source/path"].numpy().decode() for e in examples)
    assert sources == ["one.png", "sub/deep.png", "two.png"]
    two = next(e for e in examples if e["source/path"].numpy() == b"two.png")
    assert int(two["face/count"]) == 2 and int(two["face/index"]) == 0
    assert two["image"].shape == (64, 64, 3) and int(two["image/height"]) == 64
    assert tf.io.decode_png(two["mask/encoded"]).shape == (64, 64, 1)
    assert two["face/landmarks"].shape == (136,) and two["face/matrix"].shape == (6,)
    rec = last_by_input(out)
    assert rec["one.png"]["outputs"][0] in shards
    # Resume writes no duplicate examples.
    run(photos, out, format="tfrecord", shards=2)
    shards2 = sorted(f for f in os.listdir(out) if f.endswith(".tfrecord"))
    assert shards2 == shards
    # A missing shard makes its photos pending again; they land in a new run's shard.
    os.remove(out / rec["one.png"]["outputs"][0])
    summary = run(photos, out, format="tfrecord", shards=2)
    assert summary.ok >= 1
    all_sources = [parse_face_example(r)["source/path"].numpy().decode()
                   for r in tf.data.TFRecordDataset(sorted(str(p) for p in out.glob("*.tfrecord")))]
    assert sorted(all_sources) == ["one.png", "sub/deep.png", "two.png"]


def test_changed_options_refused(photos, tmp_path):
    out = tmp_path / "out"
    run(photos, out)
    with pytest.raises(JobError, match="other settings"):
        run(photos, out, format="tfrecord")


def test_output_stems_avoid_collisions():
    stems = output_stems(["a.jpg", "a.png", "b.png", "s/a.jpg"])
    assert stems == {"a.jpg": "a_jpg", "a.png": "a_png", "b.png": "b", "s/a.jpg": "s/a"}


def test_save_path_inside_data_path_not_reprocessed(photos):
    out = photos / "faces"
    run(photos, out)
    summary = run(photos, out)
    assert summary.total == 8  # the crops under in/faces/ are not inputs


def test_cli_exit_codes(photos, tmp_path, capsys):
    out = tmp_path / "out"
    fake = ["--backend", "mediapipe"]
    assert cli_main(["preprocess", "--data_path", str(tmp_path / "missing"), "--save_path", str(out)] + fake) == 2
    assert "is not a folder" in capsys.readouterr().err
    empty = tmp_path / "empty_dir"
    empty.mkdir()
    assert cli_main(["preprocess", "--data_path", str(empty), "--save_path", str(out)]) == 2
    assert "no images" in capsys.readouterr().err
    assert cli_main(["preprocess", "--data_path", str(photos), "--save_path", str(out),
                     "--segmenter", "original"]) == 2
    assert "--seg-model" in capsys.readouterr().err
    with pytest.raises(SystemExit) as err:
        cli_main(["preprocess", "--data_path", str(photos), "--save_path", str(out), "--format", "jpeg"])
    assert err.value.code == 2


def test_cli_runs_job(photos, tmp_path, capsys, monkeypatch):
    from p2c_fake_face import FakePreprocessor

    # The CLI has no flag for the factory: build the fake wherever the job builds a preprocessor.
    monkeypatch.setattr(FaceOptions, "make_preprocessor", lambda self: FakePreprocessor(out_size=self.out_size))
    code = cli_main(["preprocess", "--data_path", str(photos), "--save_path", str(tmp_path / "o"),
                     "--no-progress", "--workers", "2", "--size", "64"])
    assert code == 0  # per-photo failures do not fail the job...
    line = capsys.readouterr().out
    assert "8 photos: 3 ok" in line and "4 failed" in line  # ...the summary says so


def test_broken_preprocessor_fails_fast(photos, tmp_path):
    out = tmp_path / "o"
    with pytest.raises(JobError, match="cannot build the face preprocessor.*broken"):
        run(photos, out, face=FaceOptions(**{**FAKE.__dict__, "backend": "broken"}))
    assert not (out / "job.json").exists()
    assert run(photos, out).ok == 3  # a failed first try does not bind the folder to its settings


def test_second_job_on_same_folder_refused(photos, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    with manifest_lib.ManifestWriter(str(out / "manifest.jsonl")):
        with pytest.raises(JobError, match="another job"):
            run(photos, out)


def test_factories_outside_the_allowlist_are_refused(monkeypatch):
    from tf_p2c.preprocess.photo import FACTORY_ALLOWLIST_ENV, FactoryNotAllowedError

    monkeypatch.delenv(FACTORY_ALLOWLIST_ENV)
    with pytest.raises(FactoryNotAllowedError, match="'p2c_fake_face:FakePreprocessor' is not allowed"):
        FAKE.make_preprocessor()
    with pytest.raises(FactoryNotAllowedError, match="not allowed"):
        dataclasses.replace(FAKE, factory="os:system").make_preprocessor()
