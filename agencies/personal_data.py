"""Everything the portal holds about one person, for their right of access (UK GDPR article 15).

The records are found by introspection, not from a hand-kept list: every model with a foreign
key, one-to-one or many-to-many field to the user model is followed, and so is every e-mail
address field (an invitation names its invitee by address before any account exists). A model
added later is therefore exported, and anonymised, without anyone remembering to add it here.
"""

from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from audit.models import AuditEntry

# Secrets and credentials, never exported whatever model they are in: password hashes, TOTP
# secrets, hashes of invitation tokens and recovery codes, and raw session data.
NEVER_EXPORTED = frozenset({"password", "key", "token_hash", "code_hash", "session_data"})

_JSON_NATIVE = (str, int, float, bool, type(None), dict, list)


@dataclass(frozen=True)
class PersonLink:
    """One way a row can point at a person: through a relation to them, or their e-mail address."""

    model: type[models.Model]
    field: models.Field

    @property
    def label(self) -> str:
        return self.model._meta.label

    @property
    def by_email(self) -> bool:
        return isinstance(self.field, models.EmailField)

    def rows(self, user: AbstractBaseUser) -> models.QuerySet:
        """The rows that point at this person through this link, every one of them."""
        manager = self.model._base_manager
        if self.by_email:
            return manager.filter(**{f"{self.field.name}__iexact": user.email})
        return manager.filter(**{self.field.name: user})


def person_links() -> list[PersonLink]:
    """Every (model, field) through which a row can point at a person, in a stable order."""
    user_model = get_user_model()
    links = []
    for model in apps.get_models():
        if model._meta.proxy:
            continue  # Its rows are its concrete model's, which is followed already.
        for field in [*model._meta.fields, *model._meta.many_to_many]:
            if field.is_relation and field.related_model is user_model:
                links.append(PersonLink(model, field))
            elif isinstance(field, models.EmailField) and model is not user_model:
                links.append(PersonLink(model, field))
    return sorted(links, key=lambda link: (link.label, link.field.name))


def personal_data(user: AbstractBaseUser) -> dict:
    """The person's own account and every row that points at them, ready for json.dumps.

    Rows are grouped by model label, then by the field that points at the person ("data.email"
    for failed sign-ins: the address typed), so the same row can appear twice when it points at
    them twice (e.g. an audit entry where they were both the actor and the subject). Every link
    is listed, even when empty, so the person can see what was looked for.
    """
    records: dict[str, dict[str, list[dict]]] = {}
    for link in person_links():
        rows = link.rows(user).order_by("pk")
        records.setdefault(link.label, {})[link.field.name] = [_row(obj) for obj in rows]
    # A failed sign-in names no account, only the address that was typed, in its data.
    failed_sign_ins = AuditEntry.objects.filter(
        action=AuditEntry.Action.SIGN_IN_FAILED, data__email__iexact=user.email
    ).order_by("pk")
    records[AuditEntry._meta.label]["data.email"] = [_row(entry) for entry in failed_sign_ins]
    return {
        "exported_at": _plain(timezone.now()),
        "person": _row(user),
        "records": records,
    }


def _row(obj: models.Model) -> dict:
    """The row's stored values (a related row as its id), without secrets, plus how the portal
    names it, so that a person can read the export without knowing the database."""
    data = {
        field.attname: _plain(field.value_from_object(obj))
        for field in obj._meta.concrete_fields
        if field.name not in NEVER_EXPORTED
    }
    data["description"] = str(obj)
    return data


def _plain(value: object) -> object:
    """A stored value as JSON: dates and times in ISO 8601, a file as its stored name and size."""
    if isinstance(value, FieldFile):
        if not value:
            return None
        try:
            size = value.size
        except OSError:
            size = None  # Named in the database but missing from storage: still say so.
        return {"name": value.name, "size": size}
    if isinstance(value, _JSON_NATIVE):
        return value
    return DjangoJSONEncoder().default(value)
