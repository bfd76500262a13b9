"""The original's state-dict keys (tests/fixtures/original_state_dicts.tsv) against the reference.

``reference_key_table()`` lists the PyTorch reference's own ``state_dict()`` at the original's
full size in the TSV's columns; ``make_fixtures.py`` refuses to write fixtures when the two
differ, and writes the table to ``tests/fixtures/reference_state_dicts.tsv`` so that the test
suite (which has no torch) can compare it with the original's list too.
"""

import csv
import os

HERE = os.path.dirname(os.path.abspath(__file__))
ORIGINAL_TSV = os.path.join(HERE, "..", "fixtures", "original_state_dicts.tsv")
COLUMNS = ("file", "network", "key", "shape", "dtype")


def read_key_table(path=ORIGINAL_TSV):
    """Rows (file, network, key, shape, dtype) of a state-dict listing, in file order."""
    with open(path, newline="") as handle:
        return [tuple(row[c] for c in COLUMNS) for row in csv.DictReader(handle, delimiter="\t")]


def _rows(file, network, state_dict):
    for key, tensor in state_dict.items():
        shape = "x".join(str(d) for d in tensor.shape) or "scalar"
        yield file, network, key, shape, str(tensor.dtype).replace("torch.", "")


def reference_key_table():
    """The reference's rows for the networks the original's TSV lists, in the same order."""
    import torch
    from mobilefacenet_reference import MobileFaceNet
    from torch_reference import Discriminator, ResnetGenerator

    torch.manual_seed(0)
    rows = []
    rows += _rows("photo2cartoon_weights.pt", "genA2B", ResnetGenerator(ngf=32, img_size=256, light=True).state_dict())
    rows += _rows("photo2cartoon_weights.pt", "disGA", Discriminator(3, ndf=32, n_layers=7).state_dict())
    rows += _rows("photo2cartoon_weights.pt", "disLA", Discriminator(3, ndf=32, n_layers=5).state_dict())
    rows += _rows("model_mobilefacenet.pth", "-", MobileFaceNet(512).state_dict())
    return rows


def write_key_table(rows, path):
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows)


def check_reference_keys():
    """Raises with the first difference when the reference's keys, shapes or order differ."""
    original = read_key_table()
    ours = reference_key_table()
    for index, (want, got) in enumerate(zip(original, ours)):
        if want != got:
            raise SystemExit(f"reference differs from the original at row {index + 2}: {got} != {want}")
    if len(original) != len(ours):
        raise SystemExit(f"reference lists {len(ours)} tensors, the original {len(original)}")
    return ours
