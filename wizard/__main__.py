"""``python -m wizard``: the GUI, or a command-line tool when a command is given."""

from __future__ import annotations

import sys
from collections.abc import Sequence

# Arguments that mean "command line", not "open the window".
_CLI_FIRST = {"-h", "--help", "--version"}


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and (args[0] in _CLI_FIRST or not args[0].startswith("-")):
        from wizard.cli import main as cli_main

        return cli_main(args)
    if args and args[0] == "--selftest":
        from wizard.selftest import main as selftest_main

        return int(selftest_main(args[1:]))
    from wizard.ui.app import main as gui_main

    return int(gui_main(args))


if __name__ == "__main__":
    sys.exit(main())
