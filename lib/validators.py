"""Password rules beyond Django's own: length over complexity, as the NCSC advises."""

import re

from django.core.exceptions import ValidationError

# Words that make a password guessable to anyone who knows what the portal is for.
PORTAL_WORDS = (
    "campaign",
    "portal",
    "partner",
    "stopitnow",
    "stop it now",
    "lucyfaithfull",
    "lucy faithfull",
    "faithfull",
    "helpline",
    "police",
    "council",
    "password",
)
# What must be left once the guessable words are taken out.
MINIMUM_OWN_CHARACTERS = 8


def _folded(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


class ContextWordsValidator:
    """Refuses a password that is mostly the portal's words, the person's organisation's name
    or their own name: those words do not count towards its length.

    A long passphrase that happens to contain one such word is still accepted.
    """

    def context_words(self, user) -> set[str]:
        words = {_folded(word) for word in PORTAL_WORDS}
        if user is None:
            return words
        names = [getattr(user, "full_name", ""), getattr(user, "email", "").split("@")[0]]
        organisations = getattr(user, "organisations_for_validation", None)
        if organisations is None and getattr(user, "pk", None):
            organisations = [m.organisation for m in user.active_memberships]
        names.extend(organisation.name for organisation in organisations or [])
        for name in names:
            words.update(_folded(part) for part in re.split(r"[\s._@-]+", name or ""))
            words.add(_folded(name or ""))
        return {word for word in words if len(word) >= 4}

    def validate(self, password: str, user=None) -> None:
        rest = _folded(password)
        for word in sorted(self.context_words(user), key=len, reverse=True):
            rest = rest.replace(word, "")
        if len(rest) < MINIMUM_OWN_CHARACTERS:
            raise ValidationError(
                "This password is mostly words that are easy to guess here (the portal's, your "
                "organisation's or your own name). Add words of your own.",
                code="password_context_words",
            )

    def get_help_text(self) -> str:
        return (
            "It must not be mostly the portal's words, your organisation's name or your own name."
        )
