"""Cartoonizer pipeline, paste-back and the `cartoonize` command."""

import os

import numpy as np
import pytest

from tf_p2c.cartoonize.pipeline import Cartoonizer
from tf_p2c.cli import main
from tf_p2c.image_io import read_image
from paths import FIXTURES, SAMPLE, TINY_ONNX

FACES = os.path.join(FIXTURES, "faces")


def identity_runner(size=256):
    def run(images):
        return np.asarray(images, np.float32)

    run.input_size = size
    return run


@pytest.fixture(scope="module")
def photo():
    return read_image(SAMPLE)


@pytest.fixture(scope="module")
def cartoonizer():
    return Cartoonizer(identity_runner())


def test_identity_generator_gives_back_the_crop(cartoonizer, photo):
    result = cartoonizer.cartoonize(photo)
    assert len(result.faces) == 1
    face = result.faces[0]
    # x/127.5 - 1 and back is exact to rounding, so the cartoon is the crop on white.
    assert np.abs(face.raw_cartoon.astype(int) - face.crop.image.astype(int)).max() <= 1
    # The cartoon is composited on white by the mask: the face unchanged, the background white,
    # and the soft edge only lightened.
    mask = face.crop.mask
    cartoon, crop = face.cartoon.astype(int), face.crop.image.astype(int)
    face_area, background = mask > 0.999, mask < 1e-3
    assert face_area.any() and np.abs(cartoon - crop)[face_area].max() <= 1
    assert background.any() and (cartoon[background] >= 254).all()
    assert (cartoon - crop).min() >= -1
    assert result.pasted is None
    assert {"preprocess", "generator"} <= set(result.timings_ms)


def test_paste_back_puts_the_face_where_it_was(cartoonizer, photo):
    result = cartoonizer.cartoonize(photo, paste_back=True)
    pasted = result.pasted
    assert pasted.shape == photo.shape and pasted.dtype == np.uint8
    # With an identity generator the pasted photo must match the original: any error in
    # undoing the rotation / scale / offset would show as a large difference on the face.
    x0, y0 = result.faces[0].crop.landmarks.min(axis=0).astype(int)
    x1, y1 = result.faces[0].crop.landmarks.max(axis=0).astype(int)
    face_area = (slice(y0, y1), slice(x0, x1))
    assert np.abs(pasted[face_area].astype(int) - photo[face_area].astype(int)).mean() < 4.0
    # Far from the face the photo is untouched.
    np.testing.assert_array_equal(pasted[-20:, -20:], photo[-20:, -20:])


def test_paste_back_of_a_different_image_changes_the_face_only(photo):
    def invert(images):
        return -np.asarray(images, np.float32)

    invert.input_size = 256
    result = Cartoonizer(invert).cartoonize(photo, paste_back=True)
    face = result.faces[0].crop.landmarks
    cx, cy = face.mean(axis=0).astype(int)
    assert np.abs(result.pasted[cy, cx].astype(int) - photo[cy, cx].astype(int)).sum() > 100
    np.testing.assert_array_equal(result.pasted[-20:, -20:], photo[-20:, -20:])


def test_every_face_when_asked(cartoonizer):
    two = read_image(os.path.join(FACES, "two_faces.jpg"))
    assert len(cartoonizer.cartoonize(two).faces) == 1
    result = cartoonizer.cartoonize(two, all_faces=True, paste_back=True)
    assert len(result.faces) == 2
    assert result.faces[0].crop.area >= result.faces[1].crop.area


def test_size_mismatch_is_refused():
    from tf_p2c.face.preprocessor import FacePreprocessor

    with pytest.raises(ValueError, match="takes 64x64 inputs but faces are cropped to 256"):
        Cartoonizer(identity_runner(64), FacePreprocessor(out_size=256))


def run_cli(capsys, *args):
    code = main(["cartoonize", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_outcomes_and_exit_codes(tmp_path, capsys):
    photos = tmp_path / "photos"
    photos.mkdir()
    (photos / "portrait.png").write_bytes(open(SAMPLE, "rb").read())
    (photos / "blank.png").write_bytes(open(os.path.join(FACES, "blank.png"), "rb").read())
    out = tmp_path / "out"

    code, stdout, stderr = run_cli(capsys, str(photos), "-o", str(out), "--weights", TINY_ONNX, "--paste-back")
    assert code == 3, stderr  # one photo without a face: exit 3, the other still done
    assert "done 1, no face 1, failed 0" in stdout
    assert "blank.png: no face found" in stderr
    assert sorted(os.listdir(out)) == ["portrait_cartoon.png", "portrait_pasted.png"]
    assert read_image(out / "portrait_cartoon.png").shape == (64, 64, 3)  # the ONNX fixture is 64 px

    before = os.path.getmtime(out / "portrait_cartoon.png")
    code, stdout, stderr = run_cli(capsys, str(photos / "portrait.png"), "-o", str(out), "--weights", TINY_ONNX)
    assert code == 0 and "skipped 1" in stdout and "use --overwrite" in stderr
    assert os.path.getmtime(out / "portrait_cartoon.png") == before

    (photos / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 truncated")
    code, stdout, stderr = run_cli(capsys, str(photos), "-o", str(out), "--weights", TINY_ONNX, "--overwrite")
    assert code == 1 and "done 1, no face 1, failed 1" in stdout
    assert "broken.jpg: failed:" in stderr
    assert not [name for name in os.listdir(out) if name.startswith(".")]  # no temporary files left


@pytest.mark.parametrize(
    "args, message",
    [
        (["--weights", TINY_ONNX, "--backend", "tflite"], "the tflite backend runs .tflite files"),
        (["--weights", "missing.onnx"], "missing.onnx: no such file"),
        (["--weights", SAMPLE, "--backend", "onnx"], "the onnx backend runs .onnx files"),
    ],
)
def test_cli_weights_that_do_not_fit_the_backend(tmp_path, capsys, args, message):
    code, _, stderr = run_cli(capsys, SAMPLE, "-o", str(tmp_path / "out"), *args)
    assert code == 1
    assert stderr.strip().splitlines()[-1].startswith("error: ") and message in stderr


def test_cli_bad_paths(tmp_path, capsys):
    code, _, stderr = run_cli(capsys, str(tmp_path / "nothing.jpg"), "-o", str(tmp_path), "--weights", TINY_ONNX)
    assert code == 1 and "nothing.jpg: no such file or folder" in stderr
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    code, _, stderr = run_cli(capsys, SAMPLE, "-o", str(not_a_folder), "--weights", TINY_ONNX)
    assert code == 1 and stderr.startswith("error: ")


def test_tflite_and_keras_backends_agree(tmp_path):
    from tf_p2c.export.tflite import convert_tflite
    from tf_p2c.runtimes import KerasRunner, make_runner
    from tf_p2c.network_files import load_generator

    model = load_generator(TINY_ONNX)
    path = tmp_path / "tiny.tflite"
    path.write_bytes(convert_tflite(model))
    photo = read_image(SAMPLE)
    keras_result = Cartoonizer(KerasRunner(model)).cartoonize(photo)
    tflite_runner = make_runner("tflite", path)
    assert isinstance(tflite_runner.input_size, int) and tflite_runner.input_size == 64
    tflite_result = Cartoonizer(tflite_runner).cartoonize(photo)
    onnx_result = Cartoonizer(make_runner("onnx", TINY_ONNX)).cartoonize(photo)
    a, b, c = (r.faces[0].cartoon.astype(int) for r in (keras_result, tflite_result, onnx_result))
    assert np.abs(a - b).max() <= 1 and np.abs(a - c).max() <= 1
