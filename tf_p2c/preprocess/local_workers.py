"""`preprocess --processes N`: the per-photo work in N worker processes of this machine.

Python holds one lock per process (the GIL), so threads of one process scale poorly on the
per-photo work; worker processes do not share it. The workers are children talking to the job
over pipes: nothing listens on a network port. (tf.data service, used for `--dispatcher`, cannot
do this: its servers listen on every interface, see `service.py`.)

Workers are started with "spawn" (a fork of a process that has loaded TensorFlow is not safe),
run `photo.process_photo`, and exit when the job ends or dies.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import threading
import time
from typing import Iterator, Sequence

from tf_p2c.preprocess import photo
from tf_p2c.preprocess.photo import FaceOptions, FileResult, PreprocessorSetupError

# Photos handed to the workers ahead of the results read back: bounds the job's memory (each
# result holds PNG crops) while keeping every worker busy.
QUEUED_PER_WORKER = 4


def exit_with_parent(poll_s: float = 1.0) -> None:
    """Ends this process (os._exit) once its parent is gone, so a killed job leaves no workers."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll_s)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _process_one(path: str, rel: str, options_json: str) -> FileResult:
    options = FaceOptions.from_json(options_json)
    return photo.POOL.run(options, lambda pre: photo.process_photo(path, rel, options, pre))


def process_in_workers(paths: Sequence[str], rels: Sequence[str], options: FaceOptions,
                       processes: int) -> Iterator[FileResult]:
    """Processes each photo once in `processes` worker processes; yields results as they finish.

    A worker that dies takes its photos with it: they come back as "error" results, the rest go on.

    Raises:
        PreprocessorSetupError: the face preprocessor cannot be built in a worker.
    """
    options_json = options.to_json()
    context = multiprocessing.get_context("spawn")
    todo = iter(zip(paths, rels))
    with concurrent.futures.ProcessPoolExecutor(processes, mp_context=context, initializer=exit_with_parent) as pool:
        running: dict[concurrent.futures.Future, str] = {}

        def refill() -> None:
            for path, rel in todo:
                running[pool.submit(_process_one, path, rel, options_json)] = rel
                if len(running) >= processes * QUEUED_PER_WORKER:
                    return

        refill()
        while running:
            done, _ = concurrent.futures.wait(running, return_when=concurrent.futures.FIRST_COMPLETED)
            for future in done:
                rel = running.pop(future)
                try:
                    yield future.result()
                except PreprocessorSetupError:
                    raise
                except concurrent.futures.process.BrokenProcessPool:
                    yield FileResult(rel, "error", "the worker process died; rerun to retry", faces=-1)
                except Exception as err:  # noqa: BLE001 - one photo must never stop the job
                    yield FileResult(rel, "error", " ".join(f"worker failed: {type(err).__name__}: {err}".split()),
                                     faces=-1)
            try:
                refill()
            except concurrent.futures.process.BrokenProcessPool:
                for path, rel in todo:
                    yield FileResult(rel, "error", "the worker processes died; rerun to retry", faces=-1)
