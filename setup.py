"""Build step beyond pyproject.toml: the portal's translation catalogues are compiled by the
install (.po, kept in git, to .mo, which is not), for a wheel and an editable install alike."""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

TRANSLATIONS = Path(__file__).resolve().parent / "adam" / "portal" / "translations"


def compile_catalogues() -> None:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in TRANSLATIONS.glob("*/LC_MESSAGES/*.po"):
        with po.open("rb") as source:
            catalogue = read_po(source)
        with po.with_suffix(".mo").open("wb") as target:
            write_mo(target, catalogue)


class BuildWithCatalogues(build_py):
    def run(self) -> None:
        compile_catalogues()
        super().run()


if __name__ == "__main__":  # setuptools runs this file as a script; ./dev imports it
    setup(cmdclass={"build_py": BuildWithCatalogues})
