"""Ctrl-C (SIGINT) handling for long commands: stop at a safe point, never mid-write.

`StopRequest` turns the first Ctrl-C into a flag the work polls between steps (a training step
interrupted half-way would leave the networks and optimizers out of step with each other); a
second Ctrl-C raises KeyboardInterrupt at once, except inside `critical()` (a checkpoint save,
an export), where it is held until the block ends. `deferred_sigint()` is the critical block on
its own: a Ctrl-C inside it raises KeyboardInterrupt when it ends (or is dropped).

Both only act in the main thread (the only one Python delivers signals to); elsewhere they do
nothing and Ctrl-C keeps its default behaviour.
"""

from __future__ import annotations

import contextlib
import signal
import threading

__all__ = ["StopRequest", "deferred_sigint"]


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


class StopRequest:
    """Context manager; `requested` turns True at the first Ctrl-C while it is active."""

    def __init__(self):
        self.requested = False
        self._critical = 0
        self._held = False
        self._previous = None

    def _handle(self, signum, frame):
        if self.requested and not self._critical:
            raise KeyboardInterrupt
        if self.requested:
            self._held = True
        self.requested = True

    def __enter__(self):
        if _in_main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None
        return False

    @contextlib.contextmanager
    def critical(self):
        """A block no Ctrl-C interrupts; a second one pressed inside it stops right after it."""
        self._critical += 1
        try:
            yield
        finally:
            self._critical -= 1
        if self._held and not self._critical:
            self._held = False
            raise KeyboardInterrupt


@contextlib.contextmanager
def deferred_sigint(reraise: bool = True):
    """Runs the block to its end whatever Ctrl-C does; then raises KeyboardInterrupt if it was
    pressed and `reraise` (False: the block finished the work, so the press is dropped)."""
    if not _in_main_thread():
        yield
        return
    pressed = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: pressed.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if pressed and reraise:
        raise KeyboardInterrupt
