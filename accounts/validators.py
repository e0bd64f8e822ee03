"""What a username may be, and when two usernames are too alike to tell apart.

Usernames are handles (`@alice`, `/members/alice/`): they are restricted to ASCII letters, digits and
`. _ -`. That rules out, by construction, every mixed-script and homoglyph trick from other alphabets
(admin spelt with a Cyrillic U+0430 a, maya in full-width letters, zero-width joiners, combining
accents), so no script detection is needed. Display names carry names in any script. Inside ASCII a few look-alikes
remain (0/O, 1/I/l, rn/m: Unicode's UTS #39 confusables), so a username is also compared by its
*skeleton* with every member's and with the reserved names.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from confusable_homoglyphs.confusables import confusables_data
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.deconstruct import deconstructible

USERNAME_RULE = (
    "Use only the letters A to Z (either case), digits, and . _ - (starting with a letter or "
    "digit). Your display name can be written any way you like."
)
# Usernames are public on profiles, so saying "taken" reveals nothing a visitor can't see; "too
# close" covers the look-alikes without telling which member it resembles.
USERNAME_UNAVAILABLE = (
    "That username is taken, reserved, or too close to an existing one. Please choose another."
)


@deconstructible
class UsernameCharactersValidator(RegexValidator):
    # A class (as Django's UnicodeUsernameValidator) so migrations name it rather than copy it.
    regex = r"\A[A-Za-z0-9][A-Za-z0-9._-]*\Z"
    message = USERNAME_RULE


# UTS #39's confusables among ASCII letters and digits (0/O, 1/l, I/l, rn/m), after case folding.
# Folding first makes I a small i, so i joins l and 1: aIice (capital I) looks just like alice,
# and telling i from l is the price. tests/accounts/test_usernames.py checks this table against
# confusable_homoglyphs' copy of the Unicode data, so it can't drift from it.
ASCII_LOOKALIKES = [("rn", "m"), ("0", "o"), ("1", "l"), ("i", "l")]
# jo.smith, jo_smith and josmith read as the same person.
_SEPARATORS = str.maketrans("", "", "._-")


@cache
def _to_ascii() -> dict[int, str]:
    """Non-ASCII characters that Unicode lists as confusable with one ASCII letter or digit.

    New usernames can't hold them; this is for usernames taken before the ASCII rule (so that an
    existing Cyrillic-a admin still blocks admin) and for names created outside the sign-up form."""
    table = {}
    for char, lookalikes in confusables_data.items():
        if len(char) != 1 or char.isascii():
            continue
        for lookalike in lookalikes:
            if len(lookalike["c"]) == 1 and lookalike["c"].isascii() and lookalike["c"].isalnum():
                table[ord(char)] = lookalike["c"]
                break
    return table


def username_skeleton(username: str) -> str:
    """The form under which two usernames count as the same: NFKC (full width → ASCII, ligatures
    split), case folded, look-alikes mapped to one letter, separators dropped."""
    text = unicodedata.normalize("NFKC", username).translate(_to_ascii()).casefold()
    for lookalike, letter in ASCII_LOOKALIKES:
        text = text.replace(lookalike, letter)
    return text.translate(_SEPARATORS)


# What account deletion renames a member to (accounts.services.account_delete).
_DELETED_ACCOUNT = re.compile(r"deleted[\W_]*\d.*")


def reserved_skeletons() -> set[str]:
    names = [*settings.ACCOUNT_USERNAME_BLACKLIST, settings.SITE_NAME]
    return {username_skeleton(name) for name in names}


def validate_username_available(
    username: str, *, exclude_pk: int | None = None, allow_reserved: bool = False
) -> None:
    """Refuse a username that is, or looks like, a member's or a reserved one: one indexed query
    (User.username_skeleton is unique)."""
    skeleton = username_skeleton(username)
    if not allow_reserved and (
        skeleton in reserved_skeletons() or _DELETED_ACCOUNT.fullmatch(username.casefold())
    ):
        raise ValidationError(USERNAME_UNAVAILABLE, code="username_taken")
    members = get_user_model()._default_manager.filter(username_skeleton=skeleton)
    if exclude_pk is not None:
        members = members.exclude(pk=exclude_pk)
    if members.exists():
        raise ValidationError(USERNAME_UNAVAILABLE, code="username_taken")
