"""One module per ``sotay`` subcommand, each with ``add_arguments(parser)`` and ``run(args) -> int``.

All argument parsing and printing of the command line lives here; the library folders
(``index/``, ``rules/``, ``bot/``) return values and raise errors with Vietnamese messages.
"""
