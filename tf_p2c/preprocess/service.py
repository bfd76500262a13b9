"""tf.data service: a dispatcher, workers, and the client side (generic; preprocess uses it).

Topology: one dispatcher; any number of workers (one per machine or per core group) that
register with it; the job (`preprocess --dispatcher HOST:PORT`) sends its dataset graph to the
dispatcher, which hands the file list to the workers in dynamic splits, so each photo is
processed once by whichever worker is free ("distributed_epoch"). Results stream back to the
job, the only writer of outputs and manifest.

Workers must see the photos at the paths the job lists (a shared file system). A dataset graph
that calls Python (the job's per-photo op) needs that Python registered in the worker first:
`start_worker` runs a set-up hook before the server starts (for preprocess,
`photo.register_process_function`); a stock tf.data worker cannot run such a graph.

Network: TensorFlow (2.21) binds its servers to every interface: `DispatcherConfig` and
`WorkerConfig` have a port but no bind address (`WorkerConfig.worker_address` is only the address
the worker *advertises*), and the C++ server listens on 0.0.0.0:<port> whatever is asked. The
servers speak unauthenticated gRPC, and whoever reaches a port can make the workers run any
dataset graph, which can read and write files as the user running them. So `check_exposure`
refuses to start a server meant for loopback (``--host 127.0.0.1``, the default) while another
network interface is up; a non-loopback ``--host`` is the operator's statement that the port may
be reached from the network. (`preprocess --processes` does not use this module: its workers are
child processes on pipes, see `local_workers.py`.)
"""

from __future__ import annotations

import ipaddress
import logging
import os
from typing import Callable, Optional

log = logging.getLogger(__name__)

DEFAULT_DISPATCHER_PORT = 5050
PROTOCOL = "grpc"


DEFAULT_HOST = "127.0.0.1"
_IFF_LOOPBACK = 0x8


class ExposureError(ValueError):
    """A server meant for loopback would be reachable from the network; the message is one line."""


def is_loopback(host: str) -> bool:
    """Whether `host` names this machine's loopback interface only ("localhost", 127.x, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def network_interfaces_up() -> list[str]:
    """Names of this machine's network interfaces other than loopback that are not down (Linux).

    Raises:
        OSError: the interfaces cannot be listed (not Linux): callers must assume exposure.
    """
    up = []
    for name in sorted(os.listdir("/sys/class/net")):
        base = os.path.join("/sys/class/net", name)
        try:
            with open(os.path.join(base, "flags"), encoding="ascii") as f:
                flags = int(f.read(32).strip(), 16)
            with open(os.path.join(base, "operstate"), encoding="ascii") as f:
                state = f.read(32).strip()
        except (OSError, ValueError):
            continue  # an interface that vanished while listed
        if not flags & _IFF_LOOPBACK and state != "down":
            up.append(name)
    return up


def check_exposure(host: str, port: int, what: str) -> None:
    """Refuses to start a server meant for loopback (`host`) on a machine where it would not be.

    TensorFlow's servers listen on every interface whatever the configuration, so "loopback only"
    holds only while no other interface is up.

    Raises:
        ExposureError: `host` is loopback and another interface is up (or cannot be checked).
    """
    if not is_loopback(host):
        return  # the operator asked for a network-reachable server
    try:
        interfaces = network_interfaces_up()
    except OSError:
        interfaces = ["(cannot list the network interfaces)"]
    if interfaces:
        raise ExposureError(
            f"{what}: TensorFlow cannot bind tf.data service to {host}: it listens on every interface, so port "
            f"{port or '(any)'} would be reachable through {', '.join(interfaces)} by anyone, who could run "
            "arbitrary graphs as this user; pass --host with this machine's network address to accept that")


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


def start_worker(dispatcher: str, port: int = 0, worker_address: Optional[str] = None, host: str = DEFAULT_HOST,
                 setup: Optional[Callable[[], None]] = None):
    """Runs `setup`, then starts a worker server in this process.

    Args:
        dispatcher: "HOST:PORT" of the dispatcher.
        port: port to listen on (0 picks a free one).
        worker_address: address the dispatcher and clients use to reach this worker;
            "%port%" is replaced by the bound port. Default "<host>:%port%".
        host: the host name or address this worker is reached at (it listens on every
            interface whatever this says; see `check_exposure`).
        setup: called before the server starts, so it runs before any element can reach this
            worker (e.g. registering the Python functions the dataset graphs call).

    Returns:
        The started `tf.data.experimental.service.WorkerServer` (``.join()`` blocks).
    """
    import tensorflow as tf

    if setup is not None:
        setup()
    address = dispatcher.split("://", 1)[-1]
    config = tf.data.experimental.service.WorkerConfig(
        dispatcher_address=address,
        worker_address=worker_address or f"{_bracketed(host)}:%port%",
        port=port,
        protocol=PROTOCOL,
    )
    server = tf.data.experimental.service.WorkerServer(config, start=True)
    log.info("tf.data service worker registered with %s", address)
    return server


def _bracketed(host: str) -> str:
    """An IPv6 literal in brackets, as HOST:PORT needs; other hosts as they are."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host
