"""The rules' fixed vocabulary: project tiers and calculation outcomes, with their Vietnamese labels.

A leaf module (imports nothing of the project). Both enums are ``StrEnum``: their members
compare equal to, and serialise as, the codes of the ``sotay recover --json`` contract, the
rules files (``parameters.rate.<tier>``, a step's ``when``) and the register's columns, so
stored rows and YAML keep using the plain strings.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Status", "Tier"]


class Tier(StrEnum):
    """The area a project is carried out in (Điều 4 khoản 2 of the recovery regulation)."""

    DBKK = "dbkk"
    KHO_KHAN = "kho-khan"
    CON_LAI = "con-lai"

    @property
    def label(self) -> str:
        """The area in a sentence: "địa bàn khó khăn"."""
        return "địa bàn " + _TIER_NAMES[self].lower()

    @property
    def short_label(self) -> str:
        """The area as a button or a spreadsheet cell: "Khó khăn"."""
        return _TIER_NAMES[self]


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
        return _STATUS_LABELS[self]


_TIER_NAMES = {Tier.DBKK: "Đặc biệt khó khăn", Tier.KHO_KHAN: "Khó khăn", Tier.CON_LAI: "Còn lại"}
_STATUS_LABELS = {
    Status.RECOVER: "Phải thu hồi",
    Status.EXTENDED: "Được gia hạn",
    Status.NO_RECOVERY: "Không thu hồi",
    Status.WAIVED: "Miễn thu hồi",
}
