"""Spark-convention XML: the payload the JSON answer carries, as the spec's elements.

A list becomes a container whose children take the singular name (``services`` → ``service``),
None an empty element, a boolean ``true``/``false``. No namespace and no foreign tags, as the
spec recommends so that every client can read the answer.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'

ITEM_NAMES = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "service_requests": "request",
    "errors": "error",
}

# Characters XML 1.0 cannot carry at all; a citizen's text may still contain them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def to_xml(root: str, payload: Any) -> bytes:
    body = ET.tostring(_element(root, payload), encoding="unicode")
    return (DECLARATION + body).encode("utf-8")


def _element(name: str, value: Any) -> ET.Element:
    element = ET.Element(name)
    if isinstance(value, list):
        element.extend(_element(ITEM_NAMES[name], item) for item in value)
    elif isinstance(value, dict):
        element.extend(_element(key, item) for key, item in value.items())
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = _NOT_XML.sub("", str(value))
    return element
