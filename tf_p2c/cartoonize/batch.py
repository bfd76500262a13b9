"""Cartoonizing many photos: inputs to output names, per-file outcomes, a summary."""

from __future__ import annotations

import dataclasses
import os

from tf_p2c.image_io import ImageReadError, list_images, read_image, write_image_atomic


@dataclasses.dataclass
class Summary:
    done: int = 0
    no_face: int = 0
    failed: int = 0
    skipped: int = 0

    def line(self) -> str:
        return f"done {self.done}, no face {self.no_face}, failed {self.failed}, skipped {self.skipped} (existing outputs)"


def expand_inputs(inputs) -> list[tuple[str, str]]:
    """(photo path, output stem relative to the output folder) for files and folders.

    Files keep their stem; photos found in a folder keep their path below it, so two
    `portrait.jpg` in different sub-folders do not overwrite each other.
    """
    jobs = []
    for item in inputs:
        if os.path.isdir(item):
            for rel in list_images(item):
                jobs.append((os.path.join(item, rel), os.path.splitext(rel)[0]))
        elif os.path.lexists(item):
            # Not only regular files: a FIFO or device named here is refused when read, as one
            # failed photo, instead of stopping the batch.
            jobs.append((item, os.path.splitext(os.path.basename(item))[0]))
        else:
            raise FileNotFoundError(f"{item}: no such file or folder")
    stems = [stem for _, stem in jobs]
    duplicates = sorted({stem for stem in stems if stems.count(stem) > 1})
    if duplicates:
        raise ValueError(f"several inputs would write the same outputs: {duplicates[0]} (rename or process separately)")
    return jobs


def _outputs(stem, n_faces, paste_back):
    names = [f"{stem}_cartoon.png"] if n_faces == 1 else [f"{stem}_face{i}_cartoon.png" for i in range(n_faces)]
    if paste_back:
        names.append(f"{stem}_pasted.png")
    return names


def _existing(out_dir, names):
    """The first of `names` that exists in `out_dir` (also as a dangling symlink), or None."""
    return next((name for name in names if os.path.lexists(os.path.join(out_dir, name))), None)


def cartoonize_files(cartoonizer, jobs, out_dir, all_faces=False, paste_back=False, overwrite=False,
                     report=print) -> Summary:
    """Cartoonizes each photo; a bad photo is reported in one line and the rest go on.

    Args:
        cartoonizer: a `Cartoonizer`.
        jobs: from `expand_inputs`.
        out_dir: output folder.
        all_faces: every face instead of the largest.
        paste_back: also write the photo with the cartoon faces blended in.
        overwrite: replace existing outputs (otherwise the photo is skipped).
        report: where per-file lines go.
    """
    summary = Summary()
    for path, stem in jobs:
        # Cheap check before the model runs: names every face count would start with. The full
        # list, known once the faces are counted, is checked again before anything is written.
        if not overwrite:
            found = _existing(out_dir, _outputs(stem, 1, paste_back) + _outputs(stem, 2, False)[:1])
            if found:
                summary.skipped += 1
                report(f"{path}: skipped, output exists: {found} (use --overwrite)")
                continue
        try:
            result = cartoonizer.cartoonize(read_image(path), all_faces=all_faces, paste_back=paste_back)
        except (ImageReadError, ValueError) as error:
            summary.failed += 1
            report(f"{path}: failed: {str(error).splitlines()[0]}")
            continue
        if not result.faces:
            summary.no_face += 1
            report(f"{path}: no face found")
            continue
        names = _outputs(stem, len(result.faces), paste_back)
        found = None if overwrite else _existing(out_dir, names)
        if found:
            summary.skipped += 1
            report(f"{path}: skipped, output exists: {found} (use --overwrite)")
            continue
        images = [face.cartoon for face in result.faces] + ([result.pasted] if paste_back else [])
        try:
            for name, image in zip(names, images):
                write_image_atomic(os.path.join(out_dir, name), image)
        except OSError as error:
            summary.failed += 1
            report(f"{path}: failed to write: {error.strerror or error}")
            continue
        summary.done += 1
    return summary
