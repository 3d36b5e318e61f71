from __future__ import annotations

import os
from pathlib import Path

import msgspec
import pytest
import sqlalchemy as sa

from cityops.core.clock import FakeClock
from cityops.evidence import files
from cityops.evidence.store import (
    BadReference,
    EvidenceStore,
    TooLarge,
    UnsupportedType,
)
from cityops.store.schema import evidence
from tests.evidence.images import JPEG, WEBP, png


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "evidence"


@pytest.fixture
def store(engine: sa.Engine, root: Path) -> EvidenceStore:
    return EvidenceStore(engine, root, FakeClock(), max_bytes=4096)


def _rows(engine: sa.Engine) -> list[sa.Row[tuple[object, ...]]]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(evidence)))


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_the_bytes_decide_the_type_so_a_png_declared_as_jpeg_is_stored_as_png(
    store: EvidenceStore, root: Path
) -> None:
    info = store.save(png(), "image/jpeg", "detection")
    assert info.content_type == "image/png"
    assert info.filename == f"{info.id}.png"
    assert store.path_of(info).read_bytes() == png()
    assert store.save(JPEG, None, "detection").content_type == "image/jpeg"
    assert store.save(WEBP, "application/octet-stream", "detection").content_type == "image/webp"


def test_a_text_file_declared_as_jpeg_is_refused_and_nothing_is_kept(
    store: EvidenceStore, engine: sa.Engine, root: Path
) -> None:
    with pytest.raises(UnsupportedType, match=r"not JPEG, PNG or WebP \(declared image/jpeg\)"):
        store.save(b"<script>alert(1)</script>", "image/jpeg", "detection")
    with pytest.raises(UnsupportedType, match="empty"):
        store.save(b"", "image/png", "detection")
    assert _rows(engine) == []
    assert _files(root) == []


def test_images_over_the_size_cap_are_refused(store: EvidenceStore, engine: sa.Engine) -> None:
    big = png() + b"\x00" * 4096
    with pytest.raises(TooLarge, match=r"image is 4,\d{3} bytes; the limit is 4,096"):
        store.save(big, "image/png", "detection")
    assert _rows(engine) == []


def test_the_same_bytes_saved_twice_share_one_file_and_one_evidence(
    store: EvidenceStore, engine: sa.Engine, root: Path
) -> None:
    first = store.save(png(1), "image/png", "detection")
    again = store.save(png(1), "image/png", "citizen")
    other = store.save(png(2), "image/png", "detection")
    assert again == first
    assert other.id != first.id
    assert len(_rows(engine)) == 2
    assert len(_files(root)) == 2


def test_a_file_lost_on_disk_is_restored_when_the_same_bytes_come_again(
    store: EvidenceStore,
) -> None:
    info = store.save(png(), "image/png", "detection")
    store.path_of(info).unlink()
    assert store.save(png(), "image/png", "detection") == info
    assert store.path_of(info).read_bytes() == png()


def test_files_are_named_by_date_and_generated_id_under_the_root(
    store: EvidenceStore, root: Path
) -> None:
    info = store.save(png(), "../../etc/passwd", "detection")  # clock: 2026-01-01
    assert info.path == f"2026/01/01/{info.id}.png"
    assert store.path_of(info) == (root / "2026" / "01" / "01" / f"{info.id}.png").resolve()
    assert len(info.id) == 32


def test_a_path_that_leaves_the_root_is_refused(store: EvidenceStore) -> None:
    info = store.save(png(), "image/png", "detection")
    tampered = msgspec.structs.replace(info, path="../../outside.png")
    with pytest.raises(ValueError, match="leaves the evidence root"):
        store.path_of(tampered)


def test_the_file_is_synced_and_renamed_into_place_before_its_row_commits(
    store: EvidenceStore, engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    steps: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        steps.append("fsync")
        real_fsync(fd)

    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        assert not Path(dst).exists()  # nobody ever sees a half-written final name
        assert Path(src).read_bytes() == png()
        assert _rows(engine) == []  # the row comes after the file
        steps.append("rename")
        real_replace(src, dst)

    monkeypatch.setattr(files.os, "fsync", fsync)
    monkeypatch.setattr(files.os, "replace", replace)
    info = store.save(png(), "image/png", "detection")
    assert steps[steps.index("rename") - 1] == "fsync"  # the data is synced before the rename
    assert steps[-1] == "fsync"  # and the folder after it
    assert [r.id for r in _rows(engine)] == [info.id]


def test_a_failed_write_leaves_neither_a_file_nor_a_temporary_nor_a_row(
    store: EvidenceStore, engine: sa.Engine, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", broken)
    with pytest.raises(OSError, match="No space left"):
        store.save(png(), "image/png", "detection")
    monkeypatch.undo()
    assert _files(root) == []
    assert _rows(engine) == []


def test_a_reference_keeps_an_http_url_without_fetching_it(
    store: EvidenceStore, root: Path
) -> None:
    url = "https://vendor.example/snapshots/2026/01/01/abc.jpg?sig=1"
    info = store.reference(url, "detection")
    assert info.is_reference
    assert (info.url, info.path, info.size) == (url, None, 0)
    assert store.reference(url, "detection") == info
    assert store.get(info.id) == info
    assert _files(root) == []
    with pytest.raises(ValueError, match="is a reference"):
        store.path_of(info)


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("javascript:alert(1)", "must be an http:// or https:// URL"),
        ("ftp://vendor.example/a.jpg", "must be an http:// or https:// URL"),
        ("file:///etc/passwd", "must be an http:// or https:// URL"),
        ("https://user:secret@vendor.example/a.jpg", "must not carry credentials"),
        ("https://vendor.example/a b.jpg", "whitespace or control characters"),
        ("https://vendor.example/" + "a" * 2000, "the limit is 2000"),
    ],
)
def test_a_reference_must_be_a_plain_http_url(store: EvidenceStore, url: str, why: str) -> None:
    with pytest.raises(BadReference, match=why):
        store.reference(url, "detection")


def test_get_answers_none_for_unknown_and_malformed_ids(store: EvidenceStore) -> None:
    info = store.save(png(), "image/png", "detection")
    assert store.get(info.id) == info
    assert store.get("0" * 32) is None
    assert store.get("../../etc/passwd") is None
