"""PyInstaller's entry script: the same dispatch as ``python -m wizard``.

A windowed Windows executable starts without a console, so ``sys.stdout``/``sys.stderr`` are
None and any ``print`` would raise; they are pointed at the null device instead. IT and scripts
use the console twin ``mail-setup-wizard-cli.exe``, where output works as usual.
"""

from __future__ import annotations

import os
import sys


def _ensure_streams() -> None:
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115


if __name__ == "__main__":
    _ensure_streams()
    from wizard.__main__ import main

    sys.exit(main())
