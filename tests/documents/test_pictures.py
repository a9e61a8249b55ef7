"""Pictures: thumbnails and sizes, location data stripped from what is served, bad pictures."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from PIL import Image

from tests.conftest import Account
from tests.documents.conftest import (
    GPS_IFD,
    Upload,
    blob_files,
    download,
    exif_with_gps,
    picture,
    staging_files,
)

XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><exif:GPSLatitude>37,13.2N</exif:GPSLatitude></x:xmpmeta>'
)


def _served_picture(client: FlaskClient, account: Account, url: str) -> tuple[bytes, Image.Image]:
    response = download(client, url, account)
    assert response.status_code == 200
    image = Image.open(io.BytesIO(response.data))
    image.load()
    return response.data, image


def test_each_picture_type_gets_a_thumbnail_and_its_size(
    client: FlaskClient, coordinator: Account, project: dict[str, Any], upload: Upload
) -> None:
    frames = [Image.new("RGB", (300, 200), colour) for colour in ("red", "green", "blue")]
    animated = io.BytesIO()
    frames[0].save(animated, "GIF", save_all=True, append_images=frames[1:], duration=80, loop=0)
    cases = [
        (picture("JPEG", (800, 600)), "site.jpg", "image/jpeg", (800, 600), "JPEG"),
        (picture("PNG", (640, 960)), "map.png", "image/png", (640, 960), "PNG"),
        (picture("WEBP", (1000, 250)), "wide.webp", "image/webp", (1000, 250), "WEBP"),
        (animated.getvalue(), "anim.gif", "image/gif", (300, 200), "GIF"),
    ]
    for data, name, media_type, size, pillow_format in cases:
        response = upload(data, name, title=f"Picture {name}", category="A08")
        assert response.status_code == 201, (name, response.json)
        body = response.json
        assert body["media_type"] == media_type and body["is_picture"] is True
        assert (body["width"], body["height"]) == size
        thumbnail = download(client, body["thumbnail_url"], coordinator)
        assert thumbnail.status_code == 200
        assert thumbnail.headers["Content-Type"] == "image/jpeg"
        assert thumbnail.headers["Content-Disposition"].startswith("inline;")
        small = Image.open(io.BytesIO(thumbnail.data))
        assert small.format == "JPEG"
        assert max(small.size) == min(320, max(size))  # never enlarged
        assert abs(small.size[0] / small.size[1] - size[0] / size[1]) < 0.02
        _, served = _served_picture(client, coordinator, body["content_url"])
        assert served.format == pillow_format and served.size == size
        content = download(client, body["content_url"], coordinator)
        assert content.headers["Content-Type"] == media_type
        assert content.headers["Content-Disposition"].startswith("inline;")
    served_gif = Image.open(io.BytesIO(download(client, body["content_url"], coordinator).data))
    assert served_gif.n_frames == 3  # animation kept

    pictures = client.get(f"/api/v1/projects/{project['id']}/pictures", headers=coordinator.headers)
    assert pictures.status_code == 200
    assert [p["filename"] for p in pictures.json["items"]] == [c[1] for c in cases]
    assert all(p["thumbnail_url"].endswith("/thumbnail") for p in pictures.json["items"])
    # Documents that are not pictures are not listed there and have no thumbnail.
    pdf = upload()
    assert (
        len(
            client.get(
                f"/api/v1/projects/{project['id']}/pictures", headers=coordinator.headers
            ).json["items"]
        )
        == 4
    )
    no_thumbnail = client.get(
        pdf.json["content_url"].replace("content", "thumbnail"), headers=coordinator.headers
    )
    assert no_thumbnail.status_code == 404


def test_location_data_is_stripped_from_what_is_served(
    client: FlaskClient, coordinator: Account, upload: Upload
) -> None:
    cases = [
        ("JPEG", "field.jpg", {"exif": exif_with_gps(), "comment": b"Checkpoint 7"}),
        ("JPEG", "progressive.jpg", {"exif": exif_with_gps(), "progressive": True}),
        ("PNG", "field.png", {"exif": exif_with_gps()}),
        ("WEBP", "field.webp", {"exif": exif_with_gps(), "xmp": XMP}),
    ]
    for fmt, name, options in cases:
        original = picture(fmt, **options)
        with Image.open(io.BytesIO(original)) as check:  # the upload does carry a location
            assert check.getexif().get_ifd(GPS_IFD)
        body = upload(original, name).json
        data, served = _served_picture(client, coordinator, body["content_url"])
        exif = served.getexif()
        assert not exif.get_ifd(GPS_IFD), name
        assert 0x010F not in exif, name  # no camera data either
        assert b"Field camera maker" not in data and b"GPSLatitude" not in data, name
        assert b"Checkpoint 7" not in data
        assert body["size"] == len(data) < len(original)
        # Pixels are not re-encoded: they decode the same as the upload's.
        with Image.open(io.BytesIO(original)) as before:
            assert before.convert("RGB").tobytes() == served.convert("RGB").tobytes(), name
        thumbnail = download(client, body["thumbnail_url"], coordinator).data
        assert not Image.open(io.BytesIO(thumbnail)).getexif()
        assert b"Field camera maker" not in thumbnail


def test_jpeg_orientation_is_kept_and_sizes_are_as_displayed(
    client: FlaskClient, coordinator: Account, upload: Upload
) -> None:
    # Stored 800x600, shown a quarter turn round (EXIF orientation 6): 600 wide, 800 high.
    body = upload(picture("JPEG", (800, 600), exif=exif_with_gps(orientation=6)), "turned.jpg").json
    assert (body["width"], body["height"]) == (600, 800)
    _, served = _served_picture(client, coordinator, body["content_url"])
    assert served.getexif() == {0x0112: 6}
    thumbnail = Image.open(io.BytesIO(download(client, body["thumbnail_url"], coordinator).data))
    assert thumbnail.size == (240, 320)


def test_a_phone_photo_with_a_second_image_is_served_as_one(
    client: FlaskClient, coordinator: Account, upload: Upload
) -> None:
    first, second = Image.new("RGB", (120, 90), "red"), Image.new("RGB", (120, 90), "blue")
    out = io.BytesIO()
    first.save(out, "MPO", save_all=True, append_images=[second], exif=exif_with_gps())
    body = upload(out.getvalue(), "depth.jpg").json
    data, served = _served_picture(client, coordinator, body["content_url"])
    assert served.format == "JPEG"  # the second image, with its own EXIF, is gone
    assert data.count(b"\xff\xd8") == 1
    assert b"Field camera maker" not in data


def test_pictures_that_cannot_be_decoded_are_refused_and_leave_nothing(
    upload: Upload, upload_dir: Path
) -> None:
    jpeg = picture("JPEG", (400, 300))
    png = picture("PNG", (400, 300))
    bomb = io.BytesIO()
    Image.new("1", (10_000, 8_000)).save(bomb, "PNG")  # 80 Mpx in a few kB
    cases = [
        (jpeg[: len(jpeg) // 2], "cut.jpg", "JPEG"),
        (png[:-40], "cut.png", "PNG"),
        (b"\x89PNG\r\n\x1a\n" + b"garbage" * 20, "fake.png", "PNG"),
        (b"GIF89a" + b"\x00" * 5, "short.gif", "GIF"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 \xff\xff\xff\x00", "bad.webp", "WebP"),
        (bomb.getvalue(), "bomb.png", "more than 60000000 pixels"),
    ]
    for data, name, words in cases:
        response = upload(data, name)
        assert response.status_code == 422, (name, response.json)
        message = response.json["error"]["message"]
        assert words in message, (name, message)
        assert "file" in response.json["error"]["details"]
    assert blob_files(upload_dir) == []
    assert staging_files(upload_dir) == []
