"""Fixtures of the training tests."""

import pytest
from training_helpers import write_dataset


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory):
    return write_dataset(tmp_path_factory.mktemp("data"))
