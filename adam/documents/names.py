"""Clean the file name a client sends: a label for downloads, never a path."""

from __future__ import annotations

import re
import unicodedata

MAX_NAME_LENGTH = 200
FALLBACK_NAME = "document"
# Characters Windows refuses in names; a download named with them would be renamed anyway.
_RESERVED = re.compile(r'[<>:"|?*]')
_SPACES = re.compile(r"\s+")


def clean_filename(raw: str | None) -> str:
    """The last path part of ``raw``, NFC-normalized, without control or format characters
    (which include the right-to-left override used to disguise "exe.pdf"), without leading
    dots, at most ``MAX_NAME_LENGTH`` characters (the extension kept); "document" if empty.
    """
    name = unicodedata.normalize("NFC", raw or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    # Category C: controls, format characters, surrogates, private use and unassigned points.
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    name = _SPACES.sub(" ", _RESERVED.sub("_", name)).strip().lstrip(".").rstrip(". ")
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        if dot and stem and len(extension) <= 10:
            name = stem[: MAX_NAME_LENGTH - len(extension) - 1].rstrip(". ") + "." + extension
        else:
            name = name[:MAX_NAME_LENGTH].rstrip(". ")
    return name or FALLBACK_NAME


def extension_of(name: str) -> str:
    """The lower-case extension with its dot (".pdf"), or "" when the name has none."""
    stem, dot, extension = name.rpartition(".")
    return f".{extension.lower()}" if dot and stem and extension else ""
