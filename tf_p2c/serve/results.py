"""Finished jobs as named PNG files, kept in a bounded store for display and download."""

from __future__ import annotations

import collections
import io
import json
import re
import secrets
import threading
import time
import zipfile


from tf_p2c.image_io import encode_image
from tf_p2c.scaling import mask_to_uint8

ZIP_NAME = "cartoons.zip"


def result_files(result) -> dict:
    """A `CartoonResult` as {file name: PNG bytes}: per face the crop, mask and cartoon, then the photo.

    Args:
        result: `tf_p2c.cartoonize.pipeline.CartoonResult` with at least one face.

    Returns:
        Insertion-ordered dict: `face{i}_crop.png`, `face{i}_mask.png`, `face{i}_cartoon.png`
        for every face (largest first), and `pasted.png` when the result has one.
    """
    files = {}
    for index, face in enumerate(result.faces):
        mask = mask_to_uint8(face.crop.mask)
        files[f"face{index}_crop.png"] = encode_image(face.crop.image)
        files[f"face{index}_mask.png"] = encode_image(mask)
        files[f"face{index}_cartoon.png"] = encode_image(face.cartoon)
    if result.pasted is not None:
        files["pasted.png"] = encode_image(result.pasted)
    return files


def safe_stem(filename: str | None, default: str = "photo") -> str:
    """A download-name prefix from an uploaded file name: its stem, letters, digits, `._-` only."""
    stem = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._-")[:60]
    return stem or default


class StoredJob:
    """One finished job: its files, a summary and the name prefix for downloads."""

    def __init__(self, files: dict, summary: dict, stem: str):
        self.files = files
        self.summary = summary
        self.stem = stem
        self.created = time.time()
        self.nbytes = sum(len(data) for data in files.values())

    def zip_bytes(self) -> bytes:
        """Every file plus `result.json`, named `{stem}_{file}`, stored (PNGs do not compress)."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
            for name, data in self.files.items():
                archive.writestr(f"{self.stem}_{name}", data)
            archive.writestr(f"{self.stem}_result.json", json.dumps(self.summary, indent=2))
        return buffer.getvalue()


class ResultStore:
    """The most recent finished jobs, under a count and a total-size limit (oldest dropped first).

    Job ids are random (128 bits), so one user cannot list or guess another's results.

    Args:
        max_jobs: jobs kept.
        max_bytes: total PNG bytes kept; the newest job is always kept.

    Example:
        >>> store = ResultStore(max_jobs=32, max_bytes=256 * 2**20)
        >>> job_id = store.add(StoredJob(files, summary, "portrait"))
        >>> store.get(job_id).files["pasted.png"][:8]
        b'\\x89PNG\\r\\n\\x1a\\n'
    """

    def __init__(self, max_jobs: int, max_bytes: int):
        self.max_jobs = max_jobs
        self.max_bytes = max_bytes
        self._jobs = collections.OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def add(self, job: StoredJob) -> str:
        job_id = secrets.token_urlsafe(16)
        with self._lock:
            self._jobs[job_id] = job
            self._bytes += job.nbytes
            while len(self._jobs) > 1 and (len(self._jobs) > self.max_jobs or self._bytes > self.max_bytes):
                _, dropped = self._jobs.popitem(last=False)
                self._bytes -= dropped.nbytes
        return job_id

    def get(self, job_id: str) -> StoredJob | None:
        with self._lock:
            return self._jobs.get(job_id)

    def __len__(self) -> int:
        with self._lock:
            return len(self._jobs)
