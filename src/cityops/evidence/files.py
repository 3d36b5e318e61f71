"""Evidence on disk: what the bytes really are, and writing them so a crash leaves no half file.

The type comes from the leading bytes alone. A client's declared Content-Type and file name
are never trusted: a page or a script declared as ``image/jpeg`` must not be served back to a
browser as anything but refused.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import msgspec


class ImageType(msgspec.Struct, frozen=True):
    content_type: str
    ext: str


JPEG = ImageType("image/jpeg", "jpg")
PNG = ImageType("image/png", "png")
WEBP = ImageType("image/webp", "webp")
ACCEPTED = (JPEG, PNG, WEBP)

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def sniff(data: bytes) -> ImageType | None:
    """JPEG, PNG or WebP by their magic bytes; None for anything else."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(_PNG_SIGNATURE) and data[12:16] == b"IHDR":
        return PNG
    if len(data) >= 16 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    return None


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that the name only ever shows the complete, durable bytes.

    Order: write a temporary file beside it, fsync it, rename it over `path`, fsync the folder
    (and every folder created for it), so that after a crash `path` is either absent or whole.
    """
    _make_dirs(path.parent)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _make_dirs(folder: Path) -> None:
    """Create missing folders top-down, syncing each parent so the new entries survive a crash."""
    missing: list[Path] = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for new in reversed(missing):
        new.mkdir(exist_ok=True)
        _fsync_dir(new.parent)


def _fsync_dir(folder: Path) -> None:
    if not hasattr(os, "O_DIRECTORY"):  # Windows cannot open a folder; its rename is durable
        return
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
