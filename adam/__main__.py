"""The ``adam`` command's entry point (also ``python -m adam``).

It imports the command line only when called: a duplicate scan's worker processes are
spawned, and a spawned process first re-imports the script that started its parent (the
``adam`` console script, which imports this module). Importing ``adam.cli`` here would make
every worker load Flask, SQLAlchemy and the whole app before it scores a single pair.
"""

from __future__ import annotations


def main() -> None:
    from adam.cli import main as command

    command()


if __name__ == "__main__":
    main()
