"""Where the preprocessing job puts finished photos: PNG trees or TFRecord shards.

Both writers take one `FileResult` at a time (in completion order) and return the manifest
records to append. The ordering rules that make the job resumable live here: a PNG is written
(atomically) before its record; a shard's records are flushed before the shard is renamed into
place.
"""

from __future__ import annotations

import math
import os
from typing import Callable, Optional, Sequence

from tf_p2c import image_io
from tf_p2c.preprocess import manifest as manifest_lib
from tf_p2c.preprocess.photo import FileResult


def output_stems(rels: Sequence[str]) -> dict[str, str]:
    """Output name stem of each input: its relative path without extension.

    Inputs that would collide ("a.jpg" and "a.png") keep their extension in the stem
    ("a_jpg", "a_png") so no output overwrites another.

    Args:
        rels: input names relative to the data folder.
    """
    by_stem: dict[str, list[str]] = {}
    for rel in rels:
        by_stem.setdefault(os.path.splitext(rel)[0], []).append(rel)
    stems = {}
    for stem, group in by_stem.items():
        for rel in group:
            stems[rel] = stem if len(group) == 1 else f"{stem}_{os.path.splitext(rel)[1][1:].lower()}"
    return stems


class PngOutputs:
    """Writes each photo's crops as PNG files under the save folder, mirroring the input tree.

    Args:
        save_path: output folder.
        stems: from `output_stems`.
        all_faces: name crops ``stem_face{i}.png`` instead of ``stem.png``.
        mask_path: also write masks under this folder with the same names, if given.
    """

    def __init__(self, save_path: str, stems: dict[str, str], all_faces: bool, mask_path: Optional[str]):
        self.save_path = save_path
        self.stems = stems
        self.all_faces = all_faces
        self.mask_path = mask_path

    def add(self, result: FileResult) -> list[manifest_lib.Record]:
        outputs = []
        stem = self.stems[result.input]
        for i, crop in enumerate(result.crops):
            name = f"{stem}_face{i}.png" if self.all_faces else f"{stem}.png"
            image_io.write_bytes_atomic(os.path.join(self.save_path, name), crop.image_png)
            if self.mask_path and crop.mask_png:
                image_io.write_bytes_atomic(os.path.join(self.mask_path, name), crop.mask_png)
            outputs.append(name)
        # Files first, record second: a record saying "ok" always has its files.
        return [manifest_lib.Record(result.input, result.status, result.reason, result.faces, outputs)]

    def close(self) -> list[manifest_lib.Record]:
        return []


class TFRecordOutputs:
    """Streams crops into ``n`` sequential shards, each committed atomically when full.

    Shard k takes the next ``ceil(pending / n)`` photos in completion order. The "ok" records
    of a shard's photos are returned (to be written to the manifest) right *before* the shard
    is renamed into place: a crash between the two leaves records naming a missing shard, which
    the next run redoes; the reverse order could leave a shard no record names, duplicating
    its faces on resume.

    Args:
        save_path: output folder.
        run_id: distinguishes this run's shards from earlier runs'.
        pending: photos this run will process.
        shards: number of shards (fewer if there are fewer photos).
        flush: callable receiving records that must be durable before a shard commits.
    """

    def __init__(self, save_path: str, run_id: str, pending: int, shards: int,
                 flush: Callable[[list[manifest_lib.Record]], None]):
        from tf_p2c.data import tfrecords

        self._tfrecords = tfrecords
        self.save_path = save_path
        self.run_id = run_id
        self.n = max(1, min(shards, pending))
        self.per_shard = max(1, math.ceil(pending / self.n))
        self.flush = flush
        self._index = 0
        self._writer = None
        self._name = ""
        self._photos = 0
        self._waiting: list[manifest_lib.Record] = []

    def _open(self) -> None:
        self._name = self._tfrecords.shard_name(self.run_id, self._index, self.n)
        self._writer = self._tfrecords.AtomicShardWriter(os.path.join(self.save_path, self._name))
        self._photos = 0

    def add(self, result: FileResult) -> list[manifest_lib.Record]:
        if self._writer is None:
            self._open()
        self._photos += 1
        immediate: list[manifest_lib.Record] = []
        if result.crops:
            for i, crop in enumerate(result.crops):
                size = self._png_side(crop.image_png)
                self._writer.write(self._tfrecords.face_example(
                    crop.image_png, size, crop.mask_png, crop.landmarks, crop.matrix, crop.box, crop.score,
                    index=i, count=result.faces, source=result.input))
            self._waiting.append(manifest_lib.Record(result.input, result.status, result.reason, result.faces,
                                                     [self._name]))
        else:
            immediate.append(manifest_lib.Record(result.input, result.status, result.reason, result.faces, []))
        if self._photos >= self.per_shard:
            self._commit()
        return immediate

    @staticmethod
    def _png_side(png: bytes) -> int:
        # PNG IHDR: width is the big-endian uint32 at byte 16 (crops are square).
        return int.from_bytes(png[16:20], "big")

    def _commit(self) -> None:
        if self._writer is None:
            return
        if self._writer.count:
            self.flush(self._waiting)
            self._writer.commit()
        else:
            self._writer.abort()  # every photo of this shard had no face or failed
        self._waiting = []
        self._writer = None
        self._index += 1

    def close(self) -> list[manifest_lib.Record]:
        self._commit()
        return []
