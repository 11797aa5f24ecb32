"""The ``crossreg`` command: Django's management commands behind one entry point.

``crossreg seed …``, ``crossreg uscc check …``, ``crossreg ledger verify`` and every Django command
(``crossreg migrate``, ``crossreg runserver``) run through here.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["crossreg", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
