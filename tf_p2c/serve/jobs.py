"""A bounded job queue: blocking work on a few worker threads, "busy" beyond a queue, a timeout.

The generator and the face models block for tens to hundreds of milliseconds, so they run on
worker threads and the event loop stays free to answer other requests (the page, "busy", results).
Each worker thread gets its own cartoonizer: LiteRT interpreters (face models, .tflite generators)
must not be called from two threads at once.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time


class BusyError(Exception):
    """Every worker is busy and the wait queue is full."""


class JobTimeout(Exception):
    """The job did not finish within the request timeout."""


class PerThread:
    """Builds one object per calling thread, on first use there.

    Args:
        factory: zero-argument callable making the object (e.g. a `Cartoonizer`).

    Example:
        >>> cartoonizers = PerThread(lambda: Cartoonizer(runner))
        >>> cartoonizers.get().cartoonize(photo)
    """

    def __init__(self, factory):
        self.factory = factory
        self._local = threading.local()

    def get(self):
        value = getattr(self._local, "value", None)
        if value is None:
            value = self._local.value = self.factory()
        return value


class JobQueue:
    """Runs blocking callables on `max_jobs` threads with at most `queue_size` waiting.

    A job submitted while `max_jobs + queue_size` jobs are running or waiting raises
    `BusyError` at once. A job not finished after `timeout_s` (waiting included) raises
    `JobTimeout`; a job still waiting then is dropped, and one already running finishes in
    the background (threads cannot be interrupted) and keeps its worker until it does, so the
    number of running jobs never exceeds `max_jobs`.

    Args:
        max_jobs: worker threads.
        queue_size: jobs that may wait for a worker.
        timeout_s: per-job limit in seconds, waiting included.

    Example:
        >>> jobs = JobQueue(max_jobs=1, queue_size=4, timeout_s=60)
        >>> result, queued_ms = await jobs.run(cartoonize_bytes, data)
    """

    def __init__(self, max_jobs: int, queue_size: int, timeout_s: float):
        self.max_jobs = max_jobs
        self.queue_size = queue_size
        self.timeout_s = timeout_s
        self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=max_jobs, thread_name_prefix="cartoonize")
        self._lock = threading.Lock()
        self._in_flight = 0
        self._running = 0

    def counts(self) -> dict:
        """Jobs running and waiting right now."""
        with self._lock:
            return {"running": self._running, "waiting": self._in_flight - self._running}

    async def run(self, fn, *args):
        """Runs `fn(*args)` on a worker thread.

        Returns:
            (fn's return value, milliseconds the job waited for a worker).

        Raises:
            BusyError: the queue is full.
            JobTimeout: not done within `timeout_s`.
            Exception: whatever `fn` raised.
        """
        with self._lock:
            if self._in_flight >= self.max_jobs + self.queue_size:
                raise BusyError()
            self._in_flight += 1
        submitted = time.perf_counter()
        try:
            future = self._executor.submit(self._call, submitted, fn, args)
        except BaseException:
            self._finished(None)
            raise
        future.add_done_callback(self._finished)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), self.timeout_s)
        except asyncio.TimeoutError:
            raise JobTimeout() from None

    def _call(self, submitted, fn, args):
        queued_ms = (time.perf_counter() - submitted) * 1000
        with self._lock:
            self._running += 1
        try:
            return fn(*args), queued_ms
        finally:
            with self._lock:
                self._running -= 1

    def _finished(self, _future):
        with self._lock:
            self._in_flight -= 1

    def shutdown(self):
        """Drops waiting jobs and lets running ones end in the background."""
        self._executor.shutdown(wait=False, cancel_futures=True)
