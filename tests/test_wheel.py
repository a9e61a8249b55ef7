"""Installed from its wheel, outside the checkout, ADAM migrates, seeds and serves.

The configuration defaults and the migrations ship inside the package: a wheel that missed
them would install, then fail at ``adam db upgrade`` or start with an empty configuration.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import sysconfig
import time
import venv
from pathlib import Path

import httpx
import pytest

from tests.notifications.servers import free_port

CHECKOUT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment holding ADAM from its wheel; the dependencies come from
    the test's own environment (a path entry), so nothing is downloaded but the build backend."""
    root = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", root, CHECKOUT],
        check=True,
        cwd=root,
        timeout=600,
    )
    [wheel] = root.glob("adam-*.whl")
    env_dir = root / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # After the environment's own site-packages: ADAM itself must come from the wheel.
    Path(site, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", wheel],
        check=True,
        cwd=root,
        timeout=300,
    )
    return env_dir


def _env(tmp_path: Path) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("ADAM_", "PYTHON"))}
    return keep | {
        "ADAM_DATABASE_URL": f"sqlite:///{tmp_path / 'adam.sqlite3'}",
        "ADAM_UPLOAD_DIR": str(tmp_path / "uploads"),
    }


def test_the_wheel_migrates_seeds_and_serves(installed: Path, tmp_path: Path) -> None:
    adam = installed / "bin" / "adam"
    env = _env(tmp_path)
    where = subprocess.run(
        [installed / "bin" / "python", "-c", "import adam; print(adam.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env=env,
    ).stdout.strip()
    assert Path(where).is_relative_to(installed), where
    for command in (["db", "upgrade"], ["seed", "--demo"]):
        done = subprocess.run(
            [adam, *command], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300
        )
        assert done.returncode == 0, done.stderr
    port = free_port()
    server = subprocess.Popen(
        [adam, "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/api/v1/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
                assert time.monotonic() < deadline, "adam serve did not answer within 60 s"
                time.sleep(0.05)  # poll interval inside the deadline loop
        assert answer.status_code == 200, answer.text
        assert answer.json()["database"] == "ok"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.communicate(timeout=30)


def test_the_wheel_carries_the_pdf_fonts(installed: Path, tmp_path: Path) -> None:
    """The PDFs' DejaVu fonts (and their licence) are package data: a PDF is made from them."""
    script = (
        "import adam.exports.pdf as pdf\n"
        "assert (pdf.FONT_DIR / 'LICENSE').is_file()\n"
        "doc = pdf.Document(title='t', language='ru', page_label='{page}/{nb}', note='n')\n"
        "doc.paragraph('Отчёт о выполнении')\n"
        "print(pdf.FONT_DIR)\n"
        "print(doc.to_bytes()[:5].decode())\n"
    )
    done = subprocess.run(
        [installed / "bin" / "python", "-c", script],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=_env(tmp_path),
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    where, start = done.stdout.split()
    assert Path(where).is_relative_to(installed) and start == "%PDF-"


def test_a_missing_configuration_file_is_named(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from adam import config
    from adam.app import create_app

    monkeypatch.setattr(config, "CONFIG_DIR", tmp_path)
    with pytest.raises(config.ConfigError, match=r"default\.toml is missing"):
        create_app({"DATABASE_URL": "sqlite://"})
