"""tf.data service for the preprocessing job: a dispatcher, workers, and the client side.

Topology: one dispatcher; any number of workers (one per machine or per core group) that
register with it; the job (`preprocess --dispatcher HOST:PORT`) sends its dataset graph to the
dispatcher, which hands the file list to the workers in dynamic splits, so each photo is
processed once by whichever worker is free ("distributed_epoch"). Results stream back to the
job, the only writer of outputs and manifest.

Workers must see the photos at the paths the job lists (a shared file system) and must run
this module's `start_worker`, which registers the per-photo Python function the dataset graph
calls (see `preprocess_job.register_process_function`): a stock tf.data worker cannot run it.

Network: TensorFlow's servers listen on every interface (no bind-address option exists in
`DispatcherConfig`/`WorkerConfig`) and speak unauthenticated gRPC. A worker advertises
``--worker-address`` (default ``127.0.0.1:<port>``), so a default setup only works on one
machine; across machines, pass the worker's reachable host name, and keep the ports behind a
firewall or on a private network.
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
from typing import Iterator, Optional

log = logging.getLogger(__name__)

DEFAULT_DISPATCHER_PORT = 5050
PROTOCOL = "grpc"


def service_address(dispatcher: str) -> str:
    """"HOST:PORT" (or "grpc://HOST:PORT") -> the service address tf.data expects."""
    if "://" in dispatcher:
        return dispatcher
    if ":" not in dispatcher:
        raise ValueError(f"dispatcher must be HOST:PORT. Received: dispatcher={dispatcher!r}")
    return f"{PROTOCOL}://{dispatcher}"


def distribute(dataset, dispatcher: str, job_name: Optional[str] = None):
    """Runs `dataset` on the service's workers, each element produced once.

    Args:
        dataset: a dataset whose source is splittable (e.g. `from_tensor_slices`).
        dispatcher: "HOST:PORT" of the dispatcher.
        job_name: share one job between several clients (None: a job of our own).

    Returns:
        The distributed dataset, read by this process.
    """
    import tensorflow as tf

    service = tf.data.experimental.service
    return dataset.apply(
        service.distribute(
            # DYNAMIC == "distributed_epoch": the dispatcher deals out splits of the source on
            # demand; OFF ("parallel_epochs") would make every worker process every photo.
            processing_mode=service.ShardingPolicy.DYNAMIC,
            service=service_address(dispatcher),
            job_name=job_name,
            # "ANY": read from every worker, also when one runs in this process.
            target_workers="ANY",
        )
    )


def start_dispatcher(port: int = DEFAULT_DISPATCHER_PORT, work_dir: Optional[str] = None):
    """Starts a dispatcher server in this process.

    Args:
        port: port to listen on (0 picks a free one).
        work_dir: folder for the dispatcher's journal; with it, a restarted dispatcher recovers
            its state (fault-tolerant mode).

    Returns:
        The started `tf.data.experimental.service.DispatchServer` (``.target``, ``.join()``).
    """
    import tensorflow as tf

    config = tf.data.experimental.service.DispatcherConfig(
        port=port, protocol=PROTOCOL, work_dir=work_dir, fault_tolerant_mode=bool(work_dir)
    )
    server = tf.data.experimental.service.DispatchServer(config, start=True)
    log.info("tf.data service dispatcher at %s", server.target)
    return server


def start_worker(dispatcher: str, port: int = 0, worker_address: Optional[str] = None):
    """Registers the job's per-photo function, then starts a worker server in this process.

    Args:
        dispatcher: "HOST:PORT" of the dispatcher.
        port: port to listen on (0 picks a free one).
        worker_address: address the dispatcher and clients use to reach this worker;
            "%port%" is replaced by the bound port. Default "127.0.0.1:%port%" (one machine).

    Returns:
        The started `tf.data.experimental.service.WorkerServer` (``.join()`` blocks).
    """
    import tensorflow as tf

    from tf_p2c.data.preprocess_job import register_process_function

    register_process_function()  # before any element can reach this worker
    address = dispatcher.split("://", 1)[-1]
    config = tf.data.experimental.service.WorkerConfig(
        dispatcher_address=address,
        worker_address=worker_address or "127.0.0.1:%port%",
        port=port,
        protocol=PROTOCOL,
    )
    server = tf.data.experimental.service.WorkerServer(config, start=True)
    log.info("tf.data service worker registered with %s", address)
    return server


def exit_with_parent(poll_s: float = 1.0) -> None:
    """Ends this process (os._exit) once its parent is gone; for workers of `local_cluster`."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll_s)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


@contextlib.contextmanager
def local_cluster(num_workers: int) -> Iterator[str]:
    """A dispatcher in this process and `num_workers` worker processes on loopback.

    Python holds one lock per process (the GIL), so threads of one process scale poorly on the
    per-photo work; worker processes do not share it.

    Args:
        num_workers: worker processes to start.

    Yields:
        The dispatcher's "HOST:PORT", for `distribute`.
    """
    dispatcher = start_dispatcher(port=0)
    address = dispatcher.target.split("://", 1)[-1]
    package_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL=os.environ.get("TF_CPP_MIN_LOG_LEVEL", "3"),
               PYTHONPATH=os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p))
    procs: list[subprocess.Popen] = []
    logs = []
    stop = threading.Event()
    try:
        for i in range(num_workers):
            log_file = tempfile.TemporaryFile(mode="w+")
            logs.append(log_file)
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "tf_p2c.data.cli", "data-service", "worker", "--dispatcher", address,
                 "--exit-with-parent"],
                env=env, stdout=subprocess.DEVNULL, stderr=log_file))
        threading.Thread(target=_supervise, args=(procs, logs, stop), name="local-workers", daemon=True).start()
        yield address
    finally:
        stop.set()
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        for f in logs:
            f.close()
        with contextlib.suppress(Exception):
            dispatcher._stop()  # noqa: SLF001 - the only way to free the port before exit


def _supervise(procs: list[subprocess.Popen], logs: list, stop: threading.Event) -> None:
    """Stops the job if every local worker died: the service client would otherwise wait forever."""
    while not stop.wait(1.0):
        if all(p.poll() is not None for p in procs):
            tail = ""
            with contextlib.suppress(Exception):
                logs[0].seek(0)
                tail = "".join(logs[0].readlines()[-5:])
            sys.stderr.write(f"preprocess: error: every local worker process exited; last output:\n{tail}\n")
            sys.stderr.flush()
            os._exit(1)  # the manifest is flushed line by line: the next run resumes
