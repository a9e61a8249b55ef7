"""What a file is, judged from its bytes; the name only picks between CSV and plain text.

Allowed: PDF, OOXML (docx, xlsx, pptx, not their macro-enabled kin), ODF (odt, ods), UTF-8
text and CSV, and the pictures JPEG, PNG, WebP and GIF (which pictures.py then decodes).
Everything else is named as well as we can, for the 415 message.
"""

from __future__ import annotations

import codecs
import csv
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
TEXT = "text/plain"
CSV = "text/csv"
JPEG = "image/jpeg"
PNG = "image/png"
WEBP = "image/webp"
GIF = "image/gif"

# Media type -> the file name extensions that may carry it (the first is added to names
# that carry none of them).
EXTENSIONS: dict[str, tuple[str, ...]] = {
    PDF: (".pdf",),
    DOCX: (".docx",),
    XLSX: (".xlsx",),
    PPTX: (".pptx",),
    ODT: (".odt",),
    ODS: (".ods",),
    TEXT: (".txt", ".text", ".csv", ".log", ".md"),
    CSV: (".csv",),
    JPEG: (".jpg", ".jpeg", ".jpe", ".jfif"),
    PNG: (".png",),
    WEBP: (".webp",),
    GIF: (".gif",),
}
ALLOWED = frozenset(EXTENSIONS)
PICTURES = frozenset({JPEG, PNG, WEBP, GIF})
KNOWN_EXTENSIONS = frozenset(e for extensions in EXTENSIONS.values() for e in extensions)

# The main part's content type in [Content_Types].xml, and the folder that holds it.
OOXML_MAIN_PARTS = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": (
        DOCX,
        "word/",
    ),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": (XLSX, "xl/"),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": (
        PPTX,
        "ppt/",
    ),
}
OOXML_MACRO_PARTS = {
    "application/vnd.ms-word.document.macroenabled.main+xml": "Word document with macros (docm)",
    "application/vnd.ms-excel.sheet.macroenabled.main+xml": "Excel workbook with macros (xlsm)",
    "application/vnd.ms-powerpoint.presentation.macroenabled.main+xml": (
        "PowerPoint presentation with macros (pptm)"
    ),
}
ODF_TYPES = {ODT.encode(): ODT, ODS.encode(): ODS}
CONTENT_TYPES_LIMIT = 1 << 20  # a real [Content_Types].xml is a few kB; do not inflate more

# Signatures of common types we refuse, so the message can say what was sent.
REFUSED_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"MZ", "application/x-msdownload (a Windows program)"),
    (b"\x7fELF", "application/x-executable (a Linux program)"),
    (b"\xcf\xfa\xed\xfe", "application/x-mach-binary (a macOS program)"),
    (b"#!", "text/x-shellscript (a script)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage (an old .doc/.xls/.ppt)"),
    (b"Rar!\x1a\x07", "application/vnd.rar"),
    (b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
    (b"\x1f\x8b", "application/gzip"),
    (b"BM", "image/bmp"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"{\\rtf", "application/rtf"),
)
_MARKUP = re.compile(rb"^\s*<(?:!doctype|html|head|body|script|svg|\?xml|iframe|!--)", re.I)
CSV_SAMPLE = 64 * 1024
CSV_DELIMITERS = (",", ";", "\t")


@dataclass(frozen=True, slots=True)
class Sniffed:
    media_type: str  # for refused files, a description for the message

    @property
    def allowed(self) -> bool:
        return self.media_type in ALLOWED

    @property
    def is_picture(self) -> bool:
        return self.media_type in PICTURES


def sniff(path: Path, filename: str) -> Sniffed:
    """The type of the file at ``path`` (``filename`` is the cleaned client name)."""
    with path.open("rb") as handle:
        head = handle.read(4096)
    if head.startswith(b"%PDF-"):
        return Sniffed(PDF)
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed(JPEG)
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed(PNG)
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return Sniffed(GIF)
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Sniffed(WEBP)
    if head.startswith(b"PK\x03\x04"):
        return Sniffed(_sniff_zip(path))
    for signature, description in REFUSED_SIGNATURES:
        if head.startswith(signature):
            return Sniffed(description)
    return Sniffed(_sniff_text(path, head, filename))


def _sniff_zip(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" in names:
                info = archive.getinfo("[Content_Types].xml")
                if info.file_size > CONTENT_TYPES_LIMIT:
                    return "application/zip (an oversized Office manifest)"
                return _ooxml_type(archive.read(info), names)
            if "mimetype" in names:
                declared = archive.read("mimetype").strip()
                if declared in ODF_TYPES and "content.xml" in names:
                    return ODF_TYPES[declared]
                return f"{declared.decode('ascii', 'replace')} (an OpenDocument type not accepted)"
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, KeyError):
        return "application/zip (damaged)"
    return "application/zip"


def _ooxml_type(manifest: bytes, names: set[str]) -> str:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(manifest, parser)
    except etree.XMLSyntaxError:
        return "application/zip (an Office file with a damaged manifest)"
    for element in root:
        content_type = (element.get("ContentType") or "").lower()
        if content_type in OOXML_MACRO_PARTS:
            return f"{OOXML_MACRO_PARTS[content_type]}"
        if content_type in OOXML_MAIN_PARTS:
            media_type, folder = OOXML_MAIN_PARTS[content_type]
            part = (element.get("PartName") or "").lstrip("/")
            if part.startswith(folder) and part in names:
                return media_type
    return "application/zip (an Office package of a type not accepted)"


def _sniff_text(path: Path, head: bytes, filename: str) -> str:
    if _MARKUP.match(head.removeprefix(codecs.BOM_UTF8)):
        return "text/html or XML (markup is not accepted as text)"
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    sample: list[str] = []
    sampled = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            if b"\x00" in chunk:
                return "application/octet-stream (binary data)"
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError:
                return "application/octet-stream (binary data, or text not in UTF-8)"
            if sampled < CSV_SAMPLE:
                sample.append(text)
                sampled += len(text)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "application/octet-stream (text cut in the middle of a UTF-8 character)"
    if filename.lower().endswith(".csv") and _is_delimited("".join(sample)):
        return CSV
    return TEXT


def _is_delimited(sample: str) -> bool:
    """Do the sample's whole lines parse as rows of one width (2+) for some delimiter?"""
    lines = sample.splitlines()
    if len(sample) >= CSV_SAMPLE and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut
    lines = [line for line in lines if line.strip()]
    if not lines:
        return False
    for delimiter in CSV_DELIMITERS:
        try:
            widths = {len(row) for row in csv.reader(lines, delimiter=delimiter)}
        except csv.Error:
            continue
        if len(widths) == 1 and widths.pop() >= 2:
            return True
    return False


def name_matches(media_type: str, extension: str) -> bool:
    """False when the name's extension belongs to another accepted type (photo.png that is
    text); unknown extensions say nothing, and the right one is added to the name."""
    return extension not in KNOWN_EXTENSIONS or extension in EXTENSIONS[media_type]
