"""The outcome of a recovery calculation: one enum with its Vietnamese label (a leaf module).

``Status`` is a ``StrEnum``: its members compare equal to, and serialise as, the strings of
the ``sotay recover --json`` contract and of the register's ``status`` column
(``"no_recovery"``, ``"recover"``, ``"extended"``, ``"waived"``), so stored rows and
parameter files keep using the plain strings.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Status"]


class Status(StrEnum):
    """What is owed for a project (see ``rules.engine`` for when each applies)."""

    NO_RECOVERY = "no_recovery"  # the tier's rate is 0
    RECOVER = "recover"  # the normal amount by the end of the recovery period
    EXTENDED = "extended"  # the normal amount, deadline extended (damage below the threshold, with the record)
    WAIVED = "waived"  # nothing owed (damage at or above the threshold or force majeure, with the record)

    @property
    def due(self) -> bool:
        """Whether an amount is owed by a deadline."""
        return self in (Status.RECOVER, Status.EXTENDED)

    @property
    def label(self) -> str:
        """The Vietnamese name of the outcome, as in the register's spreadsheet."""
        return _LABELS[self]


_LABELS = {
    Status.RECOVER: "Phải thu hồi",
    Status.EXTENDED: "Được gia hạn",
    Status.NO_RECOVERY: "Không thu hồi",
    Status.WAIVED: "Miễn thu hồi",
}
