"""The owners' pages in English and Lao: action words, titles and messages. The Lao text is
written by a person (no machine translation); each Lao message says what the English one
says, with the same values."""

from __future__ import annotations

from dataclasses import dataclass

# The Lao words of links.OWNER_ACTIONS, same keys.
ACTIONS_LO = {
    "confirmed": "ແມ່ນແລ້ວ, ອັນນີ້ແມ່ນຂອງປອມ",
    "false-positive": "ບໍ່ແມ່ນຂອງປອມ",
    "sent": "ຂ້ອຍໄດ້ລາຍງານແລ້ວ",
    "taken-down": "ມັນຖືກລຶບອອກແລ້ວ",
}

# Why a link was refused (links.LinkError.reason), in Lao.
REFUSED_LO = {
    "off": "ລິ້ງດຳເນີນການຖືກປິດໄວ້ຢູ່ເຊີບເວີນີ້.",
    "damaged": "ລິ້ງນີ້ບໍ່ຄົບ ຫຼື ເສຍຫາຍ. ກະລຸນາເປີດມັນອີກຄັ້ງຈາກອີເມວ, ຫຼື ສຳເນົາມັນທັງໝົດ.",
    "tampered": "ລິ້ງນີ້ບໍ່ຖືກຕ້ອງ: ມັນຖືກປ່ຽນແປງ ຫຼື ເສຍຫາຍ ຫຼັງຈາກທີ່ພວກເຮົາສົ່ງ.",
    "mismatch": "ລິ້ງນີ້ເປັນຂອງລາຍການອື່ນ ຫຼື ຄຳຕອບອື່ນ: ບໍ່ມີຫຍັງປ່ຽນແປງ. ກະລຸນາໃຊ້ລິ້ງທີ່ຢູ່ຂ້າງລາຍການໃນອີເມວ.",
    "expired": "ລິ້ງນີ້ໝົດອາຍຸແລ້ວ. ບໍ່ມີຫຍັງປ່ຽນແປງ; ອີເມວສະບັບຕໍ່ໄປກ່ຽວກັບລາຍການນີ້ຈະມີລິ້ງໃໝ່, ຫຼື ຕອບກັບອີເມວນັ້ນ.",
    "revoked": "ລິ້ງນີ້ໃຊ້ບໍ່ໄດ້ອີກແລ້ວ: ມັນຖືກສົ່ງໄປຫາທີ່ຢູ່ອີເມວທີ່ບໍ່ແມ່ນເຈົ້າຂອງຍີ່ຫໍ້ນີ້ອີກແລ້ວ. ບໍ່ມີຫຍັງປ່ຽນແປງ.",
    "unavailable": "ບໍ່ສາມາດກວດສອບລິ້ງນີ້ໄດ້ໃນຕອນນີ້. ບໍ່ມີຫຍັງປ່ຽນແປງ; ກະລຸນາລອງໃໝ່ພາຍຫຼັງ.",
}


@dataclass(frozen=True)
class OwnerMessage:
    title: str
    message: str
    title_lo: str
    message_lo: str


def refused(reason: str, message: str) -> OwnerMessage:
    return OwnerMessage("This link cannot be used", message, "ລິ້ງນີ້ໃຊ້ບໍ່ໄດ້",
                        REFUSED_LO.get(reason, "ລິ້ງນີ້ບໍ່ຖືກຕ້ອງ. ບໍ່ມີຫຍັງປ່ຽນແປງ."))


def not_found() -> OwnerMessage:
    return OwnerMessage("Not found", "This item is no longer in the monitor's records.", "ບໍ່ພົບ",
                        "ລາຍການນີ້ບໍ່ມີຢູ່ໃນບັນທຶກຂອງລະບົບຕິດຕາມແລ້ວ.")


def recorded(words: str, action: str, identity: str, email: str) -> OwnerMessage:
    return OwnerMessage("Thank you", f"Recorded: “{words}” for {identity}, as {email}.", "ຂອບໃຈ",
                        f"ບັນທຶກແລ້ວ: “{ACTIONS_LO[action]}” ສຳລັບ {identity}, ໃນນາມ {email}.")


def already(words: str, action: str, when: str, who: str | None) -> OwnerMessage:
    """Recorded before: with this very link (who None), or by someone else."""
    if who is None:
        return OwnerMessage("Already recorded", f"“{words}” was already recorded with this link on {when}. Nothing "
                            "changed: each link records its answer once.", "ບັນທຶກໄວ້ແລ້ວ",
                            f"“{ACTIONS_LO[action]}” ໄດ້ຖືກບັນທຶກແລ້ວດ້ວຍລິ້ງນີ້ ເມື່ອ {when}. ບໍ່ມີຫຍັງປ່ຽນແປງ: "
                            "ແຕ່ລະລິ້ງບັນທຶກຄຳຕອບຂອງມັນພຽງຄັ້ງດຽວ.")
    return OwnerMessage("Already recorded", f"“{words}” was already recorded by {who} on {when}. Nothing changed.",
                        "ບັນທຶກໄວ້ແລ້ວ", f"“{ACTIONS_LO[action]}” ໄດ້ຖືກບັນທຶກແລ້ວໂດຍ {who} ເມື່ອ {when}. "
                        "ບໍ່ມີຫຍັງປ່ຽນແປງ.")


def already_shown(words: str, action: str) -> OwnerMessage:
    """The finding already shows the action, with no mark that says who recorded it."""
    return OwnerMessage("Already recorded", f"This was already recorded as “{words}”. Nothing changed.",
                        "ບັນທຶກໄວ້ແລ້ວ", f"ອັນນີ້ໄດ້ຖືກບັນທຶກແລ້ວວ່າ “{ACTIONS_LO[action]}”. ບໍ່ມີຫຍັງປ່ຽນແປງ.")


def nothing_changed(message: str) -> OwnerMessage:
    return OwnerMessage("Nothing changed", message, "ບໍ່ມີຫຍັງປ່ຽນແປງ",
                        "ບໍ່ສາມາດບັນທຶກຄຳຕອບນີ້ໄດ້ໃນຕອນນີ້ (ເບິ່ງເຫດຜົນເປັນພາສາອັງກິດຂ້າງເທິງ).")
