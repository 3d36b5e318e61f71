"""The canonical form of an audit entry and its hash: the part an auditor re-implements.

An entry's hash is

    hash = lowercase_hex(sha256(prev_hash_ascii || canonical_json(entry)))

- `prev_hash_ascii` is the previous entry's `hash` as its 64 lowercase hex characters (ASCII
  bytes); the first entry (seq 1) uses 64 zeros ("0" * 64).
- `entry` is the JSON object of exactly six members, as stored in the row:
  `{"action": str, "actor": str, "details": object, "seq": int, "target": str | null, "ts": int}`
  (`ts` in epoch milliseconds, UTC).
- `canonical_json` writes it with the keys of every object sorted (by code point), no
  whitespace (`,` and `:` separators), non-ASCII characters written as themselves, the whole
  encoded as UTF-8. Strings escape `"`, `\\`, `\\b \\f \\n \\r \\t` and the other characters
  below U+0020 as `\\u00xx` (lowercase hex). Integers are written in full; floats as Python's
  `repr` (shortest round-trip form, e.g. `0.1`, `1e-07`). This is exactly

      json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                 allow_nan=False).encode("utf-8")

  in Python, and `python -c` with those four lines re-checks any exported row.

`details` are normalised before they are hashed and stored, so that what is read back from
either store hashes the same (PostgreSQL's JSONB rewrites `1e16` as `10000000000000000` and
`-0.0` as `0`): values become plain JSON (`msgspec.to_builtins`, keys as strings); floats with
a whole value become integers; NaN and infinities become the strings "nan", "inf", "-inf";
NUL characters (which PostgreSQL cannot store) become U+FFFD.

Secrets are never stored: a detail whose key names a secret (password, passphrase, secret,
token, key_hash, api_key, private_key, credential, ...; at any depth) has its value replaced by
"[redacted]", and a warning names the key. Booleans and nulls are kept ("password_changed":
true is a fact, not a secret). Stripping rather than refusing is deliberate: the entry is often
written inside the transaction of the change it records, and a careless detail must not undo
that change.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
from typing import Any

import msgspec

log = logging.getLogger(__name__)

GENESIS = "0" * 64
"""The `prev_hash` of the first entry."""

REDACTED = "[redacted]"
SECRET_KEY = re.compile(
    r"pass(word|wd|phrase)|secret|token|key_?hash|api_?key|private_?key|credential|pwd",
    re.IGNORECASE,
)

LIMITS = {"actor": 120, "action": 64, "target": 200}
"""Column widths of `audit_log`, checked here so both stores refuse the same entries."""


def canonical_json(
    seq: int, ts: int, actor: str, action: str, target: str | None, details: dict[str, Any]
) -> bytes:
    entry = {
        "action": action,
        "actor": actor,
        "details": details,
        "seq": seq,
        "target": target,
        "ts": ts,
    }
    text = json.dumps(
        entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8")


def entry_hash(
    prev_hash: str,
    seq: int,
    ts: int,
    actor: str,
    action: str,
    target: str | None,
    details: dict[str, Any],
) -> str:
    body = canonical_json(seq, ts, actor, action, target, details)
    return hashlib.sha256(prev_hash.encode("ascii") + body).hexdigest()


def clean_text(name: str, value: str) -> str:
    """A column value: NUL-free, valid UTF-8, within its column's width (else `ValueError`)."""
    value = _clean_str(value)
    if len(value) > LIMITS[name]:
        raise ValueError(f"audit {name} is longer than {LIMITS[name]} characters: {value[:40]!r}…")
    return value


def clean_details(action: str, details: dict[str, Any] | None) -> dict[str, Any]:
    """Plain JSON that survives both stores unchanged, with secrets redacted."""
    if not details:
        return {}
    plain = msgspec.to_builtins(details, str_keys=True)
    if not isinstance(plain, dict):
        raise TypeError(f"audit details must be a mapping, not {type(details).__name__}")
    cleaned: dict[str, Any] = _clean(plain, action, "")
    return cleaned


def _clean(value: Any, action: str, path: str) -> Any:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            name = _clean_str(str(key))
            where = f"{path}.{name}" if path else name
            if SECRET_KEY.search(name) and item is not None and not isinstance(item, bool):
                log.warning("audit %s: detail %r looks like a secret; not stored", action, where)
                out[name] = REDACTED
            else:
                out[name] = _clean(item, action, where)
        return out
    if isinstance(value, list):
        return [_clean(item, action, f"{path}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, float):
        if not math.isfinite(value):
            return repr(value)
        return int(value) if value.is_integer() else value
    if isinstance(value, str):
        return _clean_str(value)
    return value


def _clean_str(value: str) -> str:
    if "\x00" in value:
        value = value.replace("\x00", "\ufffd")
    # Lone surrogates cannot be encoded as UTF-8, in the hash or in the store.
    return value.encode("utf-8", "replace").decode("utf-8")
