"""Signing in with an e-mail address and password, and knowing who is signed in: Django's
ModelBackend, except that the person behind a session comes with their memberships and
authenticators in ONE query.

Every signed-in request needs the person (is the account still active?), their active memberships
(what may they see?) and their confirmed authenticator (is the session's second step still
valid?). Django and django-otp ask for these in three queries; here one query joins the person to
their active memberships (with each organisation, its force area and region) and to their
confirmed authenticators, and the rows are turned back into model instances. Nothing is cached
between requests: a deactivated person, a removed membership or a removed authenticator counts
from the very next request.
"""

import functools

from django.contrib.auth.backends import ModelBackend
from django.db import models, router
from django.db.models import FilteredRelation, Q
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.models import ForceArea, Membership, Organisation, Region, User
from lib.precompiled import PrecompiledQuery

# The related objects loaded with the person: (path in the query, model, how it hangs off its
# parent: the parent's path and the field name). "membership" and "device" are the filtered joins.
_MEMBERSHIP = "membership"
_DEVICE = "device"
_RELATED: list[tuple[str, type[models.Model], str | None, str | None]] = [
    (_MEMBERSHIP, Membership, None, None),
    (f"{_MEMBERSHIP}__organisation", Organisation, _MEMBERSHIP, "organisation"),
    (
        f"{_MEMBERSHIP}__organisation__force_area",
        ForceArea,
        f"{_MEMBERSHIP}__organisation",
        "force_area",
    ),
    (
        f"{_MEMBERSHIP}__organisation__force_area__region",
        Region,
        f"{_MEMBERSHIP}__organisation__force_area",
        "region",
    ),
    (f"{_MEMBERSHIP}__organisation__region", Region, f"{_MEMBERSHIP}__organisation", "region"),
    (_DEVICE, TOTPDevice, None, None),
]


@functools.cache
def _attnames(model: type[models.Model]) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields]


def _person_query(database: str, user_id: object):
    columns = list(_attnames(User))
    for path, model, _, _ in _RELATED:
        columns += [f"{path}__{name}" for name in _attnames(model)]
    return (
        User._default_manager.using(database)
        .filter(pk=user_id)
        .annotate(
            **{
                _MEMBERSHIP: FilteredRelation(
                    "memberships", condition=Q(memberships__is_active=True)
                ),
                _DEVICE: FilteredRelation("totpdevice", condition=Q(totpdevice__confirmed=True)),
            }
        )
        .order_by(f"{_MEMBERSHIP}__organisation__name", f"{_MEMBERSHIP}__pk", f"{_DEVICE}__pk")
        .values_list(*columns)
    )


# The ORM takes longer to build a query of this many joined columns than the database takes to
# answer it, so it is built once per process (the sentinel stands for the person's id).
_PERSON = PrecompiledQuery(_person_query, sentinel=-7_301_985_466)


def load_person(user_id) -> User | None:
    """The person with this id, their active memberships (User.active_memberships, ordered by
    organisation name) and their confirmed authenticators (User.confirmed_devices), in one query;
    None if there is no such person."""
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        return None
    database = router.db_for_read(User)
    user_fields = _attnames(User)
    spans = {}
    position = len(user_fields)
    for path, model, _, _ in _RELATED:
        names = _attnames(model)
        spans[path] = (position, names)
        position += len(names)
    rows = _PERSON.rows(database, user_id)
    if not rows:
        return None
    user = User.from_db(database, user_fields, rows[0][: len(user_fields)])
    memberships: dict[int, Membership] = {}
    devices: dict[int, TOTPDevice] = {}
    for row in rows:
        loaded: dict[str, models.Model | None] = {}
        for path, model, parent, field_name in _RELATED:
            start, names = spans[path]
            values = row[start : start + len(names)]
            instance = None if values[0] is None else model.from_db(database, names, values)
            loaded[path] = instance
            if parent is not None and loaded[parent] is not None:
                model_field = loaded[parent]._meta.get_field(field_name)
                model_field.set_cached_value(loaded[parent], instance)
        membership = loaded[_MEMBERSHIP]
        if (
            membership is not None
            and membership.pk not in memberships
            and membership.organisation.is_active
        ):
            Membership._meta.get_field("user").set_cached_value(membership, user)
            memberships[membership.pk] = membership
        device = loaded[_DEVICE]
        if device is not None and device.pk not in devices:
            TOTPDevice._meta.get_field("user").set_cached_value(device, user)
            devices[device.pk] = device
    # Fills the cached_property, so that the memberships are not asked for again.
    user.__dict__["active_memberships"] = list(memberships.values())
    user.confirmed_devices = list(devices.values())
    return user


class PersonBackend(ModelBackend):
    """ModelBackend, loading a signed-in person with their memberships and authenticators."""

    def get_user(self, user_id):
        user = load_person(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
