"""The evidence store: images behind events, kept once on disk or referenced at a vendor.

`save` writes the file (atomically, see `files.write_atomically`) before the row that names it
commits, so an evidence id anybody has been given always has its file. Files are found by
SHA-256: the same bytes saved twice give the same evidence. Paths are built here from the date
and a generated id (``YYYY/MM/DD/<id>.<ext>``), never from anything a client sent.

`reference` records an image a vendor keeps on its own server. It is never fetched: the
platform runs offline-first, and fetching client-supplied URLs would be a request forgery hole.

    EvidenceRejected          the bytes or the URL cannot be kept
     ├── UnsupportedType      not JPEG, PNG or WebP (whatever was declared)
     ├── TooLarge             over the size cap
     └── BadReference         not an http(s) URL we are willing to show
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import msgspec
import sqlalchemy as sa

from cityops.core.clock import Clock
from cityops.core.errors import CityOpsError
from cityops.evidence.files import ImageType, sniff, write_atomically
from cityops.store.schema import evidence

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_URL_LENGTH = 2000
REFERENCE_TYPE = "text/uri-list"
"""What a reference row stores as its content type: the row holds a link, not an image."""

_ID = re.compile(r"^[0-9a-f]{32}$")


class EvidenceRejected(CityOpsError):
    """The bytes or the URL cannot be kept as evidence; the message says why."""


class UnsupportedType(EvidenceRejected):
    pass


class TooLarge(EvidenceRejected):
    pass


class BadReference(EvidenceRejected):
    pass


class EvidenceInfo(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    content_type: str
    size: int
    sha256: str
    path: str | None
    """Relative to the store's root, with forward slashes; None for a reference."""
    url: str | None
    source: str
    created_at: int

    @property
    def is_reference(self) -> bool:
        return self.url is not None

    @property
    def filename(self) -> str:
        """``<id>.<ext>``: the name the API offers, never the uploader's."""
        return self.path.rsplit("/", 1)[-1] if self.path else self.id

    @property
    def api_path(self) -> str:
        return f"/api/v1/evidence/{self.id}"


def new_evidence_id(now_ms: int) -> str:
    """Time-ordered like event ids: hex milliseconds + 80 random bits, 32 characters."""
    return f"{now_ms:012x}{secrets.token_hex(10)}"


class EvidenceStore:
    def __init__(
        self, engine: sa.Engine, root: Path, clock: Clock, *, max_bytes: int = DEFAULT_MAX_BYTES
    ) -> None:
        self._engine = engine
        self._root = root
        self._clock = clock
        self.max_bytes = max_bytes
        # Serialises "is this hash stored?" with the write, so concurrent saves of the same
        # bytes in one process share a file. Across processes a duplicate file is harmless.
        self._lock = threading.Lock()

    def check(self, data: bytes, declared_type: str | None = None) -> ImageType:
        """The sniffed type of `data`, or EvidenceRejected; nothing is stored."""
        if len(data) > self.max_bytes:
            raise TooLarge(f"image is {len(data):,} bytes; the limit is {self.max_bytes:,}")
        kind = sniff(data)
        if kind is None:
            declared = f" (declared {declared_type})" if declared_type else ""
            what = "empty" if not data else f"starts with {data[:8]!r}"
            raise UnsupportedType(f"image is not JPEG, PNG or WebP{declared}: {what}")
        return kind

    def save(self, data: bytes, declared_type: str | None, source: str) -> EvidenceInfo:
        """Store image bytes (typed by sniffing) and return their evidence; durable on return."""
        kind = self.check(data, declared_type)
        digest = hashlib.sha256(data).hexdigest()
        with self._lock:
            existing = self._find(evidence.c.sha256 == digest, evidence.c.path.is_not(None))
            if existing is not None:
                path = self.path_of(existing)
                if not path.exists():  # lost on disk (restored backup?): the resend repairs it
                    write_atomically(path, data)
                return existing
            now = self._clock.now_ms()
            evidence_id = new_evidence_id(now)
            day = datetime.fromtimestamp(now / 1000, UTC)
            info = EvidenceInfo(
                id=evidence_id,
                content_type=kind.content_type,
                size=len(data),
                sha256=digest,
                path=f"{day:%Y/%m/%d}/{evidence_id}.{kind.ext}",
                url=None,
                source=source[:32],
                created_at=now,
            )
            path = self.path_of(info)
            write_atomically(path, data)
            try:
                self._insert(info)
            except BaseException:
                path.unlink(missing_ok=True)  # no row names it: do not leave an orphan
                raise
        return info

    def check_reference(self, url: str) -> str:
        """The URL if we may keep and show it, else BadReference."""
        if len(url) > MAX_URL_LENGTH:
            raise BadReference(f"image_url is {len(url)} characters; the limit is {MAX_URL_LENGTH}")
        if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
            raise BadReference("image_url contains whitespace or control characters")
        try:
            parts = urlsplit(url)
            host = parts.hostname
        except ValueError as exc:
            raise BadReference(f"image_url is not a valid URL: {exc}") from exc
        if parts.scheme.lower() not in ("http", "https") or not host:
            raise BadReference(f"image_url must be an http:// or https:// URL, not {url[:80]!r}")
        if parts.username is not None or parts.password is not None:
            raise BadReference("image_url must not carry credentials; every reader would see them")
        return url

    def reference(self, url: str, source: str) -> EvidenceInfo:
        """Record an image kept by a vendor; the same URL twice gives the same evidence."""
        self.check_reference(url)
        with self._lock:
            existing = self._find(evidence.c.url == url)
            if existing is not None:
                return existing
            now = self._clock.now_ms()
            info = EvidenceInfo(
                id=new_evidence_id(now),
                content_type=REFERENCE_TYPE,
                size=0,
                sha256=hashlib.sha256(url.encode()).hexdigest(),
                path=None,
                url=url,
                source=source[:32],
                created_at=now,
            )
            self._insert(info)
        return info

    def get(self, evidence_id: str) -> EvidenceInfo | None:
        if not _ID.fullmatch(evidence_id):
            return None
        return self._find(evidence.c.id == evidence_id)

    def path_of(self, info: EvidenceInfo) -> Path:
        """Where the bytes of stored evidence live; refuses a path that leaves the root."""
        if info.path is None:
            raise ValueError(f"evidence {info.id} is a reference; it has no file")
        root = self._root.resolve()
        path = (root / info.path).resolve()
        if not path.is_relative_to(root):
            raise ValueError(f"evidence {info.id}: path {info.path!r} leaves the evidence root")
        return path

    def _find(self, *where: Any) -> EvidenceInfo | None:
        stmt = sa.select(evidence).where(*where).order_by(evidence.c.id).limit(1)
        with self._engine.connect() as conn:
            row = conn.execute(stmt).first()
        return None if row is None else EvidenceInfo(**row._asdict())

    def _insert(self, info: EvidenceInfo) -> None:
        with self._engine.begin() as conn:
            conn.execute(evidence.insert().values(msgspec.structs.asdict(info)))
