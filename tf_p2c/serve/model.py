"""The server's generator and face models: loaded once, checked at start-up, one cartoonizer per worker.

Without weights the server runs an untrained generator (random weights), as `python -m tf_p2c demo`
does, and the page says so in a banner: the whole path can be tried before the weights are at hand.
"""

from __future__ import annotations

import numpy as np

def load_cartoonizers(weights: str | None, backend: str, threads: int = 2, landmarks: str = "mediapipe",
                      segmenter: str = "default", untrained_preset: str = "photo2cartoon"):
    """Loads the generator and builds a factory of cartoonizers for the worker threads.

    Keras and ONNX Runtime runners are shared by every worker (both may be called from several
    threads); a LiteRT interpreter is not thread-safe, so each worker loads its own. Each worker
    also gets its own `FacePreprocessor` (its face models are LiteRT interpreters too). The first
    cartoonizer is built here, so a bad weights file or option fails before the server starts.

    Args:
        weights: generator file, or None for an untrained generator.
        backend: "keras", "tflite" or "onnx" (see `tf_p2c.runtimes.make_runner`).
        threads: CPU threads per LiteRT / ONNX Runtime generator.
        landmarks: face landmark backend, "mediapipe" or "dlib".
        segmenter: portrait segmenter (see `FacePreprocessor`).
        untrained_preset: `tf_p2c.config` preset of the untrained generator.

    Returns:
        (zero-argument factory of `Cartoonizer`s, model info dict for the page).

    Raises:
        ValueError: bad weights file or options (one-line message; `RuntimeLoadError` included).
    """
    from tf_p2c.cartoonize.pipeline import Cartoonizer
    from tf_p2c.face.preprocessor import FacePreprocessor
    from tf_p2c.runtimes import make_runner

    if weights is None:
        if backend != "keras":
            raise ValueError(f"--backend {backend} needs --weights (a file that backend runs)")
        from tf_p2c.models import UNTRAINED_WARNING, build_untrained_generator
        from tf_p2c.runtimes import KerasRunner

        shared = KerasRunner(build_untrained_generator(untrained_preset))
        info = {"weights": f"untrained {untrained_preset} generator (random weights)", "warning": UNTRAINED_WARNING}
    else:
        shared = make_runner(backend, weights, num_threads=threads)
        info = {"weights": weights, "warning": None}
    size = shared.input_size
    shared(np.zeros((1, size, size, 3), np.float32))  # trace / allocate once, before the first photo

    def runner():
        return make_runner(backend, weights, num_threads=threads) if backend == "tflite" else shared

    def build(generator):
        return Cartoonizer(generator, FacePreprocessor(backend=landmarks, segmenter=segmenter, out_size=size))

    spare = [build(shared)]

    def make_cartoonizer():
        # list.pop is atomic: exactly one worker takes the cartoonizer built at start-up.
        try:
            return spare.pop()
        except IndexError:
            return build(runner())

    return make_cartoonizer, {**info, "backend": backend, "input_size": size}
