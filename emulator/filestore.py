"""The content-addressed store of published files: one file per SHA-256 beside the database,
written through a temporary file and renamed into place."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from werkzeug.datastructures import FileStorage

CHUNK = 64 * 1024


def store_file(files_dir: Path, upload: FileStorage) -> tuple[str, int]:
    """Stream one upload into the store; returns its SHA-256 and size."""
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(dir=files_dir, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := upload.stream.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        sha = digest.hexdigest()
        target = files_dir / sha[:2] / sha
        target.parent.mkdir(exist_ok=True)
        if target.exists():
            os.unlink(tmp_name)
        else:
            shutil.move(tmp_name, target)
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise
    return sha, size
