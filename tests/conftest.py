"""Shared pytest set-up: quiet TensorFlow, per-test seeds, temporary paths, and the test tiers.

Tiers: `make test` (CI) runs everything on two xdist workers; `make test-fast` (`-m "not slow"`)
leaves out what `SLOW` lists. On xdist workers (`-n 2`) each test module is one unit of work, so
a module's fixtures are built once; `GROUPS` joins modules that share a session artefact (one
export of every format) or the machine's network ports and listener table, and `FIRST` sends the
longest units out first, so that the run does not end waiting on one of them.

TF_CPP_MIN_LOG_LEVEL must be set before TensorFlow is first imported, which is why it is set
at the top of this file (pytest imports conftest.py before any test module).
"""

from __future__ import annotations

import os
import random
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import pytest

SEED = 1234

# Node-id prefixes left out of `make test-fast`: conversions, training in subprocesses or traced
# steps, servers in subprocesses, the browser and the JVM.
SLOW = (
    "tests/export/test_export_all.py", "tests/export/test_export_errors.py", "tests/export/test_compact.py",
    "tests/cartoonize/test_cartoonize.py::test_tflite_and_keras_backends_agree",
    "tests/test_demo.py", "tests/hostile/test_training_export.py",
    "tests/training/test_train_cli.py", "tests/training/test_distribute.py", "tests/training/test_checkpoints.py",
    "tests/training/test_compiled_step.py", "tests/training/test_train_step_parity.py",
    "tests/training/test_face_id_wiring.py::test_face_id_terms_enter_the_generator_loss",
    "tests/preprocess/test_service.py", "tests/preprocess/test_local_processes.py",
    "tests/serve/test_browser.py", "tests/serve/test_load.py", "tests/android/",
    "tests/test_quiet_import.py",
    # weight-file conversions through the command line, ONNX graph imports, whole-model round trips
    "tests/convert/test_original_format.py", "tests/convert/test_weights_errors.py", "tests/convert/test_onnx_import.py",
    "tests/convert/test_parity.py", "tests/hostile/test_fuzz_readers.py::test_onnx_reader",
    "tests/hostile/test_weight_files.py", "tests/training/test_mixed_precision.py",
    "tests/evaluation/test_inception.py::test_weights_round_trip",
    "tests/models/test_generator_model_config.py::test_keras_file",
    "tests/models/test_generator_model_config.py::test_original_files",
    "tests/models/test_generator_model_config.py::test_fact_",
    "tests/export/test_export_plan.py::test_uint8_file_of_the_shared_export",  # needs the session's export
    "tests/export/test_floor.py::test_export_report_has_macs_and_floors",  # needs the session's export
    "tests/export/test_gpu_compat.py::test_float_exports", "tests/export/test_gpu_compat.py::test_the_uint8",
    # training runs with evaluation (networks built, saved and reloaded; one with the real step)
    "tests/training/test_model_selection.py::test_history", "tests/training/test_model_selection.py::test_best_",
    "tests/training/test_model_selection.py::test_curve", "tests/training/test_model_selection.py::test_missing_",
    "tests/training/test_model_selection.py::test_cli_",
    # the learning run (a traced step, hundreds of steps), the trainer with DiffAugment
    "tests/training/test_learning.py", "tests/training/test_diff_augment.py::test_trainer_",
    "tests/evaluation/test_paired_reference.py::test_training_with_the_answer",
    "tests/training/test_update_guard.py",
)
# Modules that run on one worker, in order, by node-id prefix.
GROUPS = {
    "tests/export/": "export",  # the session's one export_all (tests/export/conftest.py)
    "tests/serve/": "network", "tests/hostile/test_serve.py": "network",
    "tests/preprocess/test_service.py": "network", "tests/training/test_distribute.py": "network",
    # watches the machine's listening sockets: nothing else of ours may listen meanwhile
    "tests/hostile/test_data_cartoonize.py": "network",
}

# The longest units of work (minutes each), longest first; everything else follows in file order.
FIRST = ("tests/training/test_learning.py", "tests/export/", "tests/training/test_compiled_step.py",
         "tests/serve/", "tests/hostile/test_fuzz_readers.py", "tests/android/", "tests/training/test_model_selection.py",
         "tests/training/test_train_cli.py", "tests/test_demo.py", "tests/cartoonize/test_cartoonize.py",
         "tests/hostile/test_training_export.py", "tests/convert/test_original_format.py")


def _rank(item):
    return next((i for i, prefix in enumerate(FIRST) if item.nodeid.startswith(prefix)), len(FIRST))


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.nodeid.startswith(SLOW):
            item.add_marker(pytest.mark.slow)
    items.sort(key=_rank)  # stable: file order within a rank


def unit_of_work(nodeid: str) -> str:
    """The group (`GROUPS`) or else the module of a test: what one xdist worker runs whole."""
    return next((name for prefix, name in GROUPS.items() if nodeid.startswith(prefix)), nodeid.split("::")[0])


# xdist's own `--dist loadgroup` cannot be used: with pytest 9 its groups are silently ignored (it
# renames `item._nodeid`, which pytest 9 no longer reads), and every test became its own unit.
@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    # Without this method the groups would silently fall back to modules: say so instead.
    if not callable(getattr(LoadScopeScheduling, "_split_scope", None)):
        raise pytest.UsageError("pytest-xdist no longer has LoadScopeScheduling._split_scope: update tests/conftest.py")

    class UnitScheduling(LoadScopeScheduling):
        """Whole units of work (`unit_of_work`) in collection order, each to the next free worker."""

        def _split_scope(self, nodeid):  # the one method xdist's own scope schedulers override
            return unit_of_work(nodeid)

    return UnitScheduling(config, log)


@pytest.fixture(autouse=True)
def _fixed_seeds():
    """Seed Python, NumPy and (when a test module uses it) Keras/TF before every test.

    Keras is seeded only when some module has already imported it, so test directories that
    must stay free of TensorFlow (e.g. the checkpoint reader's) do not pay for importing it.
    """
    random.seed(SEED)
    np.random.seed(SEED)
    if "keras" in sys.modules:
        sys.modules["keras"].utils.set_random_seed(SEED)
    yield


@pytest.fixture
def rng():
    """A NumPy generator with a fixed seed, for test data."""
    return np.random.default_rng(SEED)


@pytest.fixture
def keras_path(tmp_path):
    """A fresh `.keras` file path inside pytest's per-test temporary directory."""
    return tmp_path / "model.keras"
