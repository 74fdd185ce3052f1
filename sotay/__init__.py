"""Sổ tay xã: answers commune staff's questions from provincial decisions.

The package maps the repository's top-level folders: ``sotay.index`` (index/),
``sotay.rules`` (rules/), ``sotay.bot`` (bot/) and the bundled decisions in
``sotay.corpus`` (corpus/, package data); ``sotay.commands`` holds one module per
``sotay`` subcommand.
"""

__version__ = "0.1.0"
