"""Pictures: check that Pillow can decode them, strip what may locate them, make thumbnails.

What is stored and served is the upload minus its metadata, cut at the byte level: the
pixels are never re-encoded (no quality lost), and everything that can carry a location
or a camera's identity goes: EXIF (with its GPS IFD and embedded thumbnail), XMP, IPTC,
comments, text chunks, and any data after the picture's end (a phone's second MPO
image, or an appended archive). The EXIF orientation of a JPEG is kept, re-written alone.
Colour profiles stay. Pillow then decodes the result, so a picture is only kept if it
can be shown.
"""

from __future__ import annotations

import io
import struct
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

from PIL import Image, ImageOps

from adam.documents import sniff
from adam.errors import InvalidInput

ORIENTATION = 0x0112
GPS_IFD = 0x8825
PILLOW_FORMATS = {
    sniff.JPEG: {"JPEG", "MPO"},
    sniff.PNG: {"PNG"},
    sniff.WEBP: {"WEBP"},
    sniff.GIF: {"GIF"},
}


class PictureUnreadable(InvalidInput):
    """The bytes start like a picture but cannot be decoded (or are too large to)."""


@dataclass(frozen=True, slots=True)
class PictureInfo:
    width: int  # as displayed: after the EXIF orientation is applied
    height: int


def _unreadable(kind: str, reason: str = "") -> PictureUnreadable:
    message = f"The file starts like a {kind} picture but cannot be decoded"
    message += f" ({reason})." if reason else "."
    return PictureUnreadable(message, {"file": [message]})


# --- metadata stripping, per format ---------------------------------------------------------

# JPEG APPn segments that only describe how to show the pixels: JFIF/JFXX (APP0), the ICC
# profile (APP2) and Adobe's colour transform flag (APP14). Every other APPn and COM goes.
_JPEG_KEPT_APP = (
    (0xE0, b"JFIF\x00"),
    (0xE0, b"JFXX\x00"),
    (0xE2, b"ICC_PROFILE\x00"),
    (0xEE, b"Adobe"),
)
_JPEG_STANDALONE = {0x01, *range(0xD0, 0xD8)}


def _jpeg_orientation_segment(data: bytes) -> bytes:
    try:
        with Image.open(io.BytesIO(data)) as image:
            orientation = image.getexif().get(ORIENTATION)
    except Exception:  # a broken EXIF block is dropped, not fatal
        return b""
    if not isinstance(orientation, int) or not 2 <= orientation <= 8:
        return b""
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    payload = exif.tobytes()  # starts with b"Exif\0\0"
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


def _strip_jpeg(data: bytes) -> Iterator[bytes | memoryview]:
    view = memoryview(data)
    yield b"\xff\xd8"
    yield _jpeg_orientation_segment(data)
    position, size = 2, len(data)
    while True:
        if position + 2 > size or data[position] != 0xFF:
            raise _unreadable("JPEG", "a segment is malformed or the file is cut short")
        while position + 1 < size and data[position + 1] == 0xFF:  # fill bytes
            position += 1
        marker = data[position + 1]
        if marker == 0xD9:  # end of image: anything after it is dropped
            yield b"\xff\xd9"
            return
        if marker in _JPEG_STANDALONE:
            yield view[position : position + 2]
            position += 2
            continue
        if position + 4 > size:
            raise _unreadable("JPEG", "the file is cut short")
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        end = position + 2 + length
        if length < 2 or end > size:
            raise _unreadable("JPEG", "a segment runs past the end of the file")
        segment = view[position:end]
        if 0xE0 <= marker <= 0xEF or marker == 0xFE:
            body = bytes(segment[4:16])
            if any(marker == m and body.startswith(tag) for m, tag in _JPEG_KEPT_APP):
                yield segment
        else:
            yield segment
        position = end
        if marker == 0xDA:  # start of scan: entropy-coded data up to the next real marker
            scan = position
            while True:
                found = data.find(b"\xff", scan)
                if found < 0 or found + 1 >= size:
                    raise _unreadable("JPEG", "the image data is cut short")
                following = data[found + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7:
                    scan = found + 2  # a stuffed 0xFF byte, or a restart marker
                    continue
                if following == 0xFF:
                    scan = found + 1
                    continue
                yield view[position:found]
                position = found
                break


# PNG chunks that take part in drawing the picture (static or animated); text chunks
# (tEXt, zTXt, iTXt), eXIf, tIME and private chunks go.
_PNG_KEPT = {
    b"IHDR",
    b"PLTE",
    b"IDAT",
    b"IEND",
    b"tRNS",
    b"cHRM",
    b"gAMA",
    b"iCCP",
    b"sBIT",
    b"sRGB",
    b"cICP",
    b"mDCV",
    b"cLLI",
    b"bKGD",
    b"pHYs",
    b"hIST",
    b"sPLT",
    b"acTL",
    b"fcTL",
    b"fdAT",
}


def _strip_png(data: bytes) -> Iterator[bytes | memoryview]:
    view = memoryview(data)
    yield view[:8]
    position, size = 8, len(data)
    while position + 12 <= size:
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        end = position + 12 + length
        if end > size:
            break
        if kind in _PNG_KEPT:
            yield view[position:end]
        if kind == b"IEND":
            return
        position = end
    raise _unreadable("PNG", "the file is cut short")


# WebP (RIFF) chunks that draw the picture; EXIF, XMP and unknown chunks go.
_WEBP_KEPT = {b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP"}
_VP8X_EXIF, _VP8X_XMP = 0x08, 0x04


def _strip_webp(data: bytes) -> Iterator[bytes | memoryview]:
    view = memoryview(data)
    (riff_size,) = struct.unpack("<I", data[4:8])
    size = min(len(data), 8 + riff_size)
    kept: list[bytes | memoryview] = []
    position = 12
    while position + 8 <= size:
        kind = data[position : position + 4]
        (length,) = struct.unpack("<I", data[position + 4 : position + 8])
        end = position + 8 + length + (length & 1)
        if position + 8 + length > size:
            raise _unreadable("WebP", "a chunk runs past the end of the file")
        if kind == b"VP8X" and length >= 1:
            flags = data[position + 8] & ~(_VP8X_EXIF | _VP8X_XMP)
            kept.append(data[position : position + 8] + bytes([flags]) + data[position + 9 : end])
        elif kind in _WEBP_KEPT:
            kept.append(view[position:end])
        position = end
    if not kept:
        raise _unreadable("WebP", "no image data")
    yield b"RIFF" + struct.pack("<I", 4 + sum(len(chunk) for chunk in kept)) + b"WEBP"
    yield from kept


# GIF application extensions that drive animation; others (XMP, ICC...) and comments go.
_GIF_KEPT_APPS = (b"NETSCAPE2.0", b"ANIMEXTS1.0")


def _gif_sub_blocks(data: bytes, position: int) -> int:
    """The position just after the sub-blocks that start at ``position``."""
    while True:
        if position >= len(data):
            raise _unreadable("GIF", "the file is cut short")
        length = data[position]
        position += 1 + length
        if length == 0:
            return position


def _strip_gif(data: bytes) -> Iterator[bytes | memoryview]:
    view = memoryview(data)
    if len(data) < 13:
        raise _unreadable("GIF", "the file is cut short")
    packed = data[10]
    position = 13 + (3 << ((packed & 0x07) + 1) if packed & 0x80 else 0)
    yield view[:position]
    while position < len(data):
        introducer = data[position]
        if introducer == 0x3B:  # trailer: anything after it is dropped
            yield b"\x3b"
            return
        if introducer == 0x21 and position + 1 < len(data):
            label = data[position + 1]
            end = _gif_sub_blocks(data, position + 2)
            application = bytes(data[position + 3 : position + 3 + 11]) if label == 0xFF else b""
            keep = label in (0xF9, 0x01) or (label == 0xFF and application in _GIF_KEPT_APPS)
            if keep:
                yield view[position:end]
            position = end
        elif introducer == 0x2C and position + 10 <= len(data):
            packed = data[position + 9]
            table = 3 << ((packed & 0x07) + 1) if packed & 0x80 else 0
            end = _gif_sub_blocks(data, position + 10 + table + 1)
            yield view[position:end]
            position = end
        else:
            break
    raise _unreadable("GIF", "a block is malformed or the file is cut short")


_STRIPPERS = {
    sniff.JPEG: _strip_jpeg,
    sniff.PNG: _strip_png,
    sniff.WEBP: _strip_webp,
    sniff.GIF: _strip_gif,
}
_KIND = {sniff.JPEG: "JPEG", sniff.PNG: "PNG", sniff.WEBP: "WebP", sniff.GIF: "GIF"}


def strip_metadata(data: bytes, media_type: str) -> Iterator[bytes | memoryview]:
    """The picture's bytes without metadata, in pieces (to be written as they come).

    :raises PictureUnreadable: the container is malformed.
    """
    try:
        yield from _STRIPPERS[media_type](data)
    except (struct.error, IndexError) as error:
        raise _unreadable(_KIND[media_type], "a block is malformed") from error


# --- decoding ---------------------------------------------------------------------------------


def _open(data: bytes, media_type: str, max_pixels: int) -> Image.Image:
    kind = _KIND[media_type]
    with warnings.catch_warnings():
        # Our own limit below is the one that counts (Pillow's warns at 89 Mpx).
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except Image.DecompressionBombError:
            raise _unreadable(kind, f"more than {max_pixels} pixels") from None
        except Exception as error:  # Pillow's decoders raise many kinds
            raise _unreadable(kind, str(error) or type(error).__name__) from error
    if image.format not in PILLOW_FORMATS[media_type]:
        image.close()
        raise _unreadable(kind, f"Pillow reads it as {image.format}")
    width, height = image.size
    if width * height > max_pixels:
        image.close()
        raise _unreadable(kind, f"{width}x{height} is more than {max_pixels} pixels")
    return image


def examine(
    data: bytes, media_type: str, *, max_side: int, max_pixels: int
) -> tuple[PictureInfo, bytes]:
    """The (already stripped) picture's displayed size, and a thumbnail: a JPEG of at most
    ``max_side`` pixels a side, upright, without metadata.

    The picture is decoded once, fully (Pillow's ``verify`` alone misses truncated data); a
    JPEG is decoded straight to the smallest scale (1/2 to 1/8) the thumbnail allows.

    :raises PictureUnreadable: Pillow cannot decode it, or it has too many pixels.
    """
    image = _open(data, media_type, max_pixels)
    width, height = image.size
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            orientation = image.getexif().get(ORIENTATION)
            if image.format in ("JPEG", "MPO"):
                image.draft("RGB", (max_side, max_side))
            image.load()
            upright = ImageOps.exif_transpose(image)
            upright.thumbnail((max_side, max_side))
            if upright.mode in ("RGBA", "LA", "PA") or (
                upright.mode == "P" and "transparency" in upright.info
            ):
                rgba = upright.convert("RGBA")
                flat = Image.new("RGB", rgba.size, "white")
                flat.paste(rgba, mask=rgba.getchannel("A"))
            else:
                flat = upright.convert("RGB")
            out = io.BytesIO()
            flat.save(out, "JPEG", quality=85, optimize=True)
    except Exception as error:
        raise _unreadable(_KIND[media_type], str(error) or type(error).__name__) from error
    finally:
        image.close()
    if orientation in (5, 6, 7, 8):  # shown a quarter turn round
        width, height = height, width
    return PictureInfo(width=width, height=height), out.getvalue()
