"""A reason of a verdict in the owner's words, in English and in Lao.

Each sentence is written where its evidence is found (monitor.detection.scoring), both
languages from the same values; the Lao is written by a person, never machine-translated at
run time. Brand names, host names and what was compared are quoted as written, in both.
"""

from __future__ import annotations

from typing import NamedTuple


class Reason(NamedTuple):
    en: str
    lo: str


NO_RESEMBLANCE = Reason("no resemblance to a protected brand", "ບໍ່ຄ້າຍກັບແບຣນໃດທີ່ຖືກປົກປ້ອງ")
NOT_ENOUGH_ALONE = Reason("not enough on its own for a takedown request: for a person to judge",
                          "ຫຼັກຖານນີ້ຢ່າງດຽວຍັງບໍ່ພໍທີ່ຈະຂໍໃຫ້ປິດ: ໃຫ້ຄົນກວດເບິ່ງ")
WHOLE_NAME_LOOKALIKE = Reason("a lookalike of the whole official name: always worth a person's look",
                              "ຄ້າຍກັບຊື່ທາງການທັງໝົດ: ຄວນໃຫ້ຄົນກວດເບິ່ງສະເໝີ")

# what a key is, as a reason names it
SOURCE_LO = {"official name": "ຊື່ທາງການ", "official handle": "ຊື່ບັນຊີທາງການ", "name": "ຊື່"}
# where a name was read
WHAT_LO = {"display name": "ຊື່ທີ່ສະແດງ", "page title": "ຫົວຂໍ້ໜ້າເວັບ", "page text": "ເນື້ອໃນໜ້າເວັບ"}


def split(reasons: list[Reason]) -> tuple[list[str], list[str]]:
    """The English and the Lao lists, one for one."""
    return [r.en for r in reasons], [r.lo for r in reasons]
