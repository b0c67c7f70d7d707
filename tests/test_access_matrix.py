"""The access matrix: every URL the portal has, asked by every kind of person, for an object of
their own organisation, for another organisation's, and for one that does not exist.

Every URL pattern the resolver knows must have an entry in MATRIX: a new URL without one fails
test_every_url_has_an_entry_in_the_matrix, so nobody can add a page and forget who may see it.
Another organisation's object must answer exactly as a missing one does, so that nobody can learn
by probing ids or slugs what exists in an organisation they do not belong to.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.contrib.auth.tokens import default_token_generator
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from agencies.models import Invitation, Membership
from campaigns.models import (
    Activity,
    CampaignPartner,
    Export,
    FigureImport,
    GeneratedVersion,
    LocalisedMaterial,
    WithdrawalNotice,
)
from campaigns.services import activity as activity_services
from lib import uploads
from tests.assertions import assert_same_page, assert_same_results, body
from tests.factories import (
    docx_bytes,
    make_material,
    make_template,
    make_user,
    png_bytes,
    sign_in_fully,
)

ROLES = (
    "anonymous",
    "member",  # a member of force A, a partner in the charity's campaign
    "lead",  # force A's lead
    "other_member",  # a member of force C, a partner only in the other charity's campaign
    "other_admin",  # a campaign admin of the other charity
    "admin",  # a campaign admin of the charity that runs the campaign
    "staff",  # a system administrator with no organisation
)
WHOSE = ("own", "other", "missing")


@dataclass
class World:
    """Everything the matrix asks about: for each kind of object, force A's or the charity's
    ("own"), force C's or the other charity's ("other"), and an id or slug that exists nowhere."""

    people: dict
    objects: dict[str, dict[str, object]] = field(default_factory=dict)


MISSING_ID = 987654


@pytest.fixture
def world(
    campaign,
    other_campaign,
    charity,
    other_charity,
    force_a,
    council_b,
    force_c,
    police_officer,
    force_lead,
    other_force_officer,
    other_charity_admin,
    charity_admin,
    staff,
):
    own_material = make_material(campaign, title="Launch poster", by=charity_admin)
    other_material = make_material(other_campaign, title="Another poster", by=other_charity_admin)
    for material in (own_material, other_material):
        material.versions.get().preview.save("preview.png", ContentFile(png_bytes()))
    own_colleague = make_user("colleague@force-a.example", organisation=force_a)
    other_colleague = make_user("colleague@force-c.example", organisation=force_c)
    now = timezone.now()

    def activity(campaign, organisation, by):
        logged = activity_services.log_activity(
            Activity(
                campaign=campaign,
                organisation=organisation,
                activity_type="posters",
                started_on=date(2026, 7, 1),
                quantity=20,
            ),
            actor=by,
            materials=[],
        )
        logged.evidence.save("evidence.png", ContentFile(png_bytes()), save=False)
        logged.evidence_name = "evidence.png"
        logged.evidence_virus_checked = True
        logged.save(update_fields=["evidence", "evidence_name", "evidence_virus_checked"])
        return logged

    def figure_import(organisation, by):
        data = b"area,channel,period,count,note\n"
        made = FigureImport(
            organisation=organisation,
            filename="figures.csv",
            sha256=hashlib.sha256(data).hexdigest(),
            uploaded_by=by,
        )
        made.file.save("figures.csv", ContentFile(data), save=False)
        made.save()
        return made

    def localised(campaign, template, organisation, by):
        """A partner's release made from a template, as the generating service leaves it."""
        material = make_material(
            campaign,
            owner=organisation,
            kind="press_release",
            title=f"{organisation}'s release",
            approved=False,
            by=by,
            file_bytes=docx_bytes(),
            filename="release.docx",
            content_type=uploads.DOCX,
        )
        made = LocalisedMaterial.objects.create(
            material=material, template=template, organisation=organisation
        )
        generated = GeneratedVersion(
            version=material.versions.get(),
            localised=made,
            template_version=template.material.versions.get(),
            values={},
            figures_as_of=now,
        )
        generated.pdf.save("release.pdf", ContentFile(b"%PDF-1.4\n"), save=False)
        generated.save()
        return material.pk

    own_template = make_template(campaign, by=charity_admin)
    other_template = make_template(other_campaign, by=other_charity_admin)

    def export(by):
        made = Export(
            requested_by=by,
            kind=Export.Kind.ACTIVITY,
            format=Export.Format.CSV,
            filename="activity.csv",
            status=Export.Status.READY,
            created_at=now,
            finished_at=now,
        )
        made.file.save("activity.csv", ContentFile(b"Campaign\r\n"), save=False)
        made.save()
        return made.pk

    token, token_hash = Invitation.issue_token()
    Invitation.objects.create(
        email="new@force-a.example",
        organisation=force_a,
        role=Membership.Role.MEMBER,
        invited_by=force_lead,
        token_hash=token_hash,
        expires_at=Invitation.default_expiry(now),
    )
    world = World(
        people={
            "anonymous": None,
            "member": police_officer,
            "lead": force_lead,
            "other_member": other_force_officer,
            "other_admin": other_charity_admin,
            "admin": charity_admin,
            "staff": staff,
        }
    )
    world.objects = {
        "organisation": {"own": force_a.slug, "other": force_c.slug, "missing": "no-such-force"},
        "membership": {
            "own": (force_a.slug, own_colleague.memberships.get().pk),
            "other": (force_c.slug, other_colleague.memberships.get().pk),
            "missing": (force_a.slug, MISSING_ID),
        },
        "campaign": {"own": campaign.slug, "other": other_campaign.slug, "missing": "no-such"},
        "partner": {
            "own": (campaign.slug, CampaignPartner.objects.get(organisation=council_b).pk),
            "other": (other_campaign.slug, CampaignPartner.objects.get(organisation=force_c).pk),
            "missing": (campaign.slug, MISSING_ID),
        },
        "material": {"own": own_material.pk, "other": other_material.pk, "missing": MISSING_ID},
        "notice": {
            "own": WithdrawalNotice.objects.create(
                user=police_officer, material=own_material, created_at=now
            ).pk,
            "other": WithdrawalNotice.objects.create(
                user=other_force_officer, material=other_material, created_at=now
            ).pk,
            "missing": MISSING_ID,
        },
        "activity": {
            "own": activity(campaign, force_a, police_officer).pk,
            "other": activity(other_campaign, force_c, other_force_officer).pk,
            "missing": MISSING_ID,
        },
        "export": {
            "own": export(police_officer),
            "other": export(other_force_officer),
            "missing": MISSING_ID,
        },
        "import": {
            "own": figure_import(charity, charity_admin).pk,
            "other": figure_import(other_charity, other_charity_admin).pk,
            "missing": MISSING_ID,
        },
        "template": {"own": own_template.pk, "other": other_template.pk, "missing": MISSING_ID},
        "localised": {
            "own": localised(campaign, own_template, force_a, police_officer),
            "other": localised(other_campaign, other_template, force_c, other_force_officer),
            "missing": MISSING_ID,
        },
        "invitation": {"own": token, "other": Invitation.issue_token()[0], "missing": "x" * 43},
        "password_reset": {
            # Someone the matrix never signs in, as signing in makes earlier tokens invalid.
            "own": (
                urlsafe_base64_encode(force_bytes(own_colleague.pk)),
                default_token_generator.make_token(own_colleague),
            ),
            "other": (urlsafe_base64_encode(force_bytes(MISSING_ID)), "set-password"),
            "missing": (urlsafe_base64_encode(force_bytes(MISSING_ID)), "abc-123"),
        },
    }
    return world


@dataclass(frozen=True)
class Ask:
    """How the matrix asks one URL: the method, which object its arguments name, and how."""

    method: str = "GET"
    about: str | None = None  # a key of World.objects, or None for a URL without arguments
    args: object = None  # builds the URL's arguments from the object; default: the object itself
    data: dict | None = None


def url_for(name: str, ask: Ask, world: World, whose: str) -> str:
    if ask.about is None:
        return reverse(name, kwargs=ask.args or {})
    value = world.objects[ask.about][whose]
    if ask.args is not None:
        return reverse(name, args=ask.args(value))
    return reverse(name, args=value if isinstance(value, tuple) else [value])


def client_as(world: World, role: str) -> Client:
    client = Client()
    if world.people[role] is not None:
        sign_in_fully(client, world.people[role])
    return client


def answer(response) -> str:
    """The kind of answer, as the matrix states it."""
    if response.status_code in (301, 302):
        location = response["Location"]
        if location.startswith(reverse("agencies:sign-in")):
            return "sign-in"
        return "redirect"
    return str(response.status_code)


ASKS: dict[str, Ask] = {
    "home": Ask(),
    "privacy-notice": Ask(),
    "accessibility-statement": Ask(),
    "my-data": Ask(),
    "audit-trail": Ask(),
    "audit-export": Ask(),
    "agencies:sign-in": Ask(),
    "agencies:sign-out": Ask("POST"),
    "agencies:two-step-verify": Ask(),
    "agencies:two-step-recover": Ask(),
    "agencies:session-keep-alive": Ask("POST"),
    "agencies:two-step": Ask(),
    "agencies:two-step-set-up": Ask(),
    "agencies:two-step-codes": Ask(),
    "agencies:two-step-new-codes": Ask("POST"),
    "agencies:two-step-reset": Ask(),
    "agencies:email-change": Ask(),
    "agencies:email-settings": Ask(),
    "agencies:password-change": Ask(),
    "agencies:password-reset": Ask(),
    "agencies:password-reset-done": Ask(),
    "agencies:password-reset-confirm": Ask(about="password_reset"),
    "agencies:password-reset-complete": Ask(),
    "agencies:invitation-accept": Ask(),
    "agencies:invitation-open": Ask(about="invitation"),
    "agencies:organisation-detail": Ask(about="organisation"),
    "agencies:invitation-create": Ask(about="organisation"),
    "agencies:organisation-logo": Ask("POST", about="organisation"),
    "agencies:membership-deactivate": Ask("POST", about="membership"),
    "agencies:membership-role": Ask("POST", about="membership", data={"role": "lead"}),
    "agencies:membership-reset-two-step": Ask("POST", about="membership"),
    "campaigns:campaign-create": Ask(),
    "campaigns:campaign-detail": Ask(about="campaign"),
    "campaigns:campaign-edit": Ask(about="campaign"),
    "campaigns:partner-list": Ask(about="campaign"),
    "campaigns:partner-add": Ask(about="campaign"),
    "campaigns:partner-remove": Ask("POST", about="partner"),
    "campaigns:toolkit": Ask(about="campaign"),
    "campaigns:material-add": Ask(about="campaign"),
    "campaigns:toolkit-download": Ask(about="campaign"),
    "campaigns:review-queue": Ask(),
    "campaigns:material-detail": Ask(about="material"),
    "campaigns:material-edit": Ask(about="material"),
    "campaigns:material-download": Ask(about="material"),
    "campaigns:material-withdraw": Ask("POST", about="material", data={"reason": "Out of date"}),
    "campaigns:version-add": Ask(about="material"),
    "campaigns:version-download": Ask(about="material", args=lambda pk: [pk, 1]),
    "campaigns:version-preview": Ask(about="material", args=lambda pk: [pk, 1]),
    "campaigns:version-approve": Ask("POST", about="material", args=lambda pk: [pk, 1]),
    "campaigns:version-request-changes": Ask(
        "POST", about="material", args=lambda pk: [pk, 1], data={"comment": "Please change it"}
    ),
    "campaigns:notice-dismiss": Ask("POST", about="notice"),
    "campaigns:download-not-sent": Ask(),
    "campaigns:version-pdf": Ask(about="localised", args=lambda pk: [pk, 1]),
    "campaigns:template-mark": Ask(about="material"),
    "campaigns:localised-edit": Ask(about="localised"),
    "campaigns:localised-regenerate": Ask("POST", about="localised"),
    "campaigns:template-detail": Ask(about="template"),
    "campaigns:visits-import": Ask(about="campaign"),
    "campaigns:template-make": Ask(about="template"),
    "campaigns:template-poster-preview": Ask(about="template"),
    "campaigns:activity-create": Ask(about="campaign"),
    "campaigns:readiness": Ask(about="campaign"),
    "campaigns:enforcement-create": Ask(about="campaign"),
    "campaigns:impact": Ask(about="campaign"),
    "campaigns:evaluation": Ask(about="campaign"),
    "campaigns:evaluation-xlsx": Ask(about="campaign"),
    "campaigns:evaluation-learning": Ask(about="campaign"),
    "campaigns:partner-report": Ask(about="partner"),
    "campaigns:readiness-export": Ask(about="campaign", args=lambda slug: [slug, "xlsx"]),
    "campaigns:impact-areas-export": Ask(about="campaign", args=lambda slug: [slug, "csv"]),
    "campaigns:partner-report-xlsx": Ask(about="partner"),
    "campaigns:figures": Ask(),
    "campaigns:figures-import": Ask(),
    "campaigns:import-detail": Ask(about="import"),
    "campaigns:import-commit": Ask("POST", about="import"),
    "campaigns:import-undo": Ask("POST", about="import"),
    "campaigns:activity-list": Ask(),
    "campaigns:activity-export": Ask(args={"fmt": "csv"}),
    "campaigns:activity-detail": Ask(about="activity"),
    "campaigns:activity-edit": Ask(about="activity"),
    "campaigns:activity-comment": Ask("POST", about="activity", data={"body": "Thank you"}),
    "campaigns:activity-evidence": Ask(about="activity"),
    "campaigns:export-detail": Ask(about="export"),
    "campaigns:export-download": Ask(about="export"),
}


def url_names(resolver: URLResolver | None = None, namespace: str = "") -> set[str]:
    """The name of every URL pattern the resolver knows, with its namespace."""
    names = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or ""
            names |= url_names(pattern, f"{namespace}{inner}:" if inner else namespace)
        elif isinstance(pattern, URLPattern):
            names.add(f"{namespace}{pattern.name}")
    return names


def ask(world: World, client: Client, name: str, whose: str):
    """One person's request for one URL. An action is undone afterwards, so that each person
    asks about the world as the fixture made it."""
    spec = ASKS[name]
    url = url_for(name, spec, world, whose)
    cache.clear()  # Rate-limit counts: the matrix asks far more often than a person would.
    if spec.method == "GET":
        return client.get(url)
    with transaction.atomic():
        response = client.post(url, spec.data or {})
        transaction.set_rollback(True)
    # The message an action leaves for the next page is not part of the next answer.
    client.cookies.pop(CookieStorage.cookie_name, None)
    return response


# --- What each person is answered ------------------------------------------------------------
# For a URL about an object, each person's answer is (own, other, missing); otherwise one answer.
# "sign-in": sent to the sign-in page; "redirect": sent on elsewhere (an action done, or a page
# that has moved the person on); otherwise the status code.


def everyone(answer: str) -> dict:
    return dict.fromkeys(ROLES, answer)


def signed_in(answer: str, **exceptions: str) -> dict:
    return {**everyone(answer), "anonymous": "sign-in", **exceptions}


def campaign_admins_only(answer: str = "200", *, leads: str = "403") -> dict:
    return signed_in("403", lead=leads, other_admin=answer, admin=answer)


def in_campaign(partner: str, admin: str, **exceptions) -> dict:
    """Something in a campaign: its partners and its admins, according to their role; nobody
    else learns it exists. "Own" is the charity's campaign, in which force A takes part; "other"
    is the other charity's, in which force C takes part."""
    return {
        "anonymous": ("sign-in",) * 3,
        "member": (partner, "404", "404"),
        "lead": (partner, "404", "404"),
        "other_member": ("404", partner, "404"),
        "other_admin": ("404", admin, "404"),
        "admin": (admin, "404", "404"),
        "staff": ("404",) * 3,
        **exceptions,
    }


def about_organisation(lead: str, *, member_missing: str = "404") -> dict:
    """An organisation's people: its lead and any campaign admin manage them, its members are
    refused, and other partners do not learn that the organisation exists. "Own" is force A."""
    return {
        "anonymous": ("sign-in",) * 3,
        "member": ("403", "404", member_missing),
        "lead": (lead, "404", "404"),
        "other_member": ("404", "403", "404"),
        "other_admin": (lead, lead, "404"),
        "admin": (lead, lead, "404"),
        "staff": ("404",) * 3,
    }


def figure_import(answer: str) -> dict:
    """A figures import is its charity's: its campaign admins only; partners are refused
    outright, whatever the id, so they learn nothing about which imports exist."""
    return {
        "anonymous": ("sign-in",) * 3,
        "member": ("403",) * 3,
        "lead": ("403",) * 3,
        "other_member": ("403",) * 3,
        "other_admin": ("404", answer, "404"),
        "admin": (answer, "404", "404"),
        "staff": ("403",) * 3,
    }


# Pages that move a signed-in person on: there is nothing to do there once signed in (or, for
# the two-step pages, once both steps are done and codes were shown).
MOVED_ON = signed_in("redirect")

MATRIX: dict[str, dict] = {
    "home": signed_in("200"),
    "privacy-notice": everyone("200"),
    "accessibility-statement": everyone("200"),
    "my-data": signed_in("200"),
    "audit-trail": signed_in("403", lead="200", other_admin="200", admin="200"),
    "audit-export": signed_in("403", lead="200", other_admin="200", admin="200"),
    "agencies:sign-in": {**everyone("redirect"), "anonymous": "200"},
    "agencies:sign-out": everyone("sign-in"),
    "agencies:two-step-verify": MOVED_ON,
    "agencies:two-step-recover": MOVED_ON,
    "agencies:session-keep-alive": signed_in("204"),
    "agencies:two-step": signed_in("200"),
    "agencies:two-step-set-up": MOVED_ON,
    "agencies:two-step-codes": MOVED_ON,
    # Asks for the password and a code again before any new codes are made.
    "agencies:two-step-new-codes": signed_in("200"),
    "agencies:two-step-reset": signed_in("200"),
    "agencies:email-change": signed_in("200"),
    "agencies:email-settings": signed_in("200"),
    "agencies:password-change": signed_in("200"),
    "agencies:password-reset": everyone("200"),
    "agencies:password-reset-done": everyone("200"),
    # Django moves a valid token out of the address into the session, then asks for a password.
    "agencies:password-reset-confirm": {role: ("redirect", "200", "200") for role in ROLES},
    "agencies:password-reset-complete": everyone("200"),
    # Nothing to accept without an invitation opened in this session.
    "agencies:invitation-accept": everyone("404"),
    # Every token, valid or not, is moved out of the address before it is checked, so the
    # answer says nothing about whether the invitation exists.
    "agencies:invitation-open": {role: ("redirect",) * 3 for role in ROLES},
    "agencies:organisation-detail": about_organisation("200"),
    "agencies:invitation-create": about_organisation("200"),
    # Without a file nothing is saved and the page says so.
    "agencies:organisation-logo": about_organisation("redirect"),
    # The permission to manage an organisation's people is checked before the person is looked
    # up, so a member asking about a missing colleague is refused as for an existing one.
    "agencies:membership-deactivate": about_organisation("redirect", member_missing="403"),
    "agencies:membership-role": about_organisation("redirect", member_missing="403"),
    "agencies:membership-reset-two-step": about_organisation("redirect", member_missing="403"),
    "campaigns:campaign-create": campaign_admins_only(),
    "campaigns:campaign-detail": in_campaign("200", "200"),
    "campaigns:campaign-edit": in_campaign("403", "200"),
    # Who takes part is known to everyone in the campaign, as on its overview.
    "campaigns:partner-list": in_campaign("200", "200"),
    "campaigns:partner-add": in_campaign("403", "200"),
    "campaigns:partner-remove": in_campaign(
        "403", "redirect", member=("403", "404", "403"), lead=("403", "404", "403")
    ),
    "campaigns:toolkit": in_campaign("200", "200"),
    "campaigns:material-add": in_campaign("200", "200"),
    "campaigns:toolkit-download": in_campaign("200", "200"),
    "campaigns:review-queue": campaign_admins_only(),
    "campaigns:material-detail": in_campaign("200", "200"),
    "campaigns:material-edit": in_campaign("403", "200"),
    "campaigns:material-download": in_campaign("200", "200"),
    "campaigns:material-withdraw": in_campaign("403", "redirect"),
    "campaigns:version-add": in_campaign("403", "200"),
    # A version by number is for reviewers; partners download the approved version only.
    "campaigns:version-download": in_campaign("404", "200"),
    "campaigns:version-preview": in_campaign("200", "200"),
    "campaigns:version-approve": in_campaign("403", "redirect"),
    "campaigns:version-request-changes": in_campaign("403", "redirect"),
    # A withdrawal notice is for the one person it was sent to (force A's member, force C's).
    # nginx's page when the store fails as it fetches; without nginx's note it removes nothing.
    "campaigns:download-not-sent": signed_in("503"),
    "campaigns:notice-dismiss": {
        **{role: ("404",) * 3 for role in ROLES},
        "anonymous": ("sign-in",) * 3,
        "member": ("redirect", "404", "404"),
        "other_member": ("404", "redirect", "404"),
    },
    # The PDF beside a generated version, like any version's file: its owner and the admins.
    "campaigns:version-pdf": in_campaign("200", "200"),
    "campaigns:template-mark": in_campaign("403", "200"),
    # Templates are for partners to make their own version with their own figures; the charity
    # reviews what they make, and only the organisation that made it changes or regenerates it.
    "campaigns:template-detail": in_campaign("200", "200"),
    "campaigns:visits-import": in_campaign("403", "200"),
    "campaigns:template-make": in_campaign("200", "403"),
    # The world's templates are press releases, which have no picture preview.
    "campaigns:template-poster-preview": in_campaign("404", "403"),
    "campaigns:localised-edit": in_campaign("200", "403"),
    "campaigns:localised-regenerate": in_campaign("redirect", "403"),
    "campaigns:activity-create": in_campaign("200", "200"),
    "campaigns:readiness": in_campaign("200", "200"),
    # Enforcement figures are a police force's to give; the charity reads them.
    "campaigns:enforcement-create": in_campaign("200", "403"),
    "campaigns:impact": in_campaign("200", "200"),
    "campaigns:evaluation": in_campaign("200", "200"),
    "campaigns:evaluation-xlsx": in_campaign("200", "200"),
    "campaigns:evaluation-learning": in_campaign("403", "200"),
    "campaigns:readiness-export": in_campaign("200", "200"),
    "campaigns:impact-areas-export": in_campaign("200", "200"),
    # "Own" is council B's report, which force A may not have; "other" is force C's own.
    "campaigns:partner-report": in_campaign("403", "200", other_member=("404", "200", "404")),
    "campaigns:partner-report-xlsx": in_campaign("403", "200", other_member=("404", "200", "404")),
    "campaigns:figures": campaign_admins_only(),
    "campaigns:figures-import": campaign_admins_only(),
    "campaigns:import-detail": figure_import("200"),
    # The import in the world has no rows: committing it is refused as a conflict.
    "campaigns:import-commit": figure_import("409"),
    "campaigns:import-undo": figure_import("redirect"),
    "campaigns:activity-list": signed_in("200"),
    "campaigns:activity-export": signed_in("200"),
    "campaigns:activity-detail": in_campaign("200", "200"),
    # A partner's record is theirs to correct; the charity comments on it.
    "campaigns:activity-edit": in_campaign("200", "403"),
    "campaigns:activity-comment": in_campaign("redirect", "redirect"),
    "campaigns:activity-evidence": in_campaign("200", "200"),
    # A big export is only for the person who asked for it (force A's member, force C's):
    # colleagues, leads and the charity's admins get 404 as for a missing one.
    "campaigns:export-detail": {
        **{role: ("404",) * 3 for role in ROLES},
        "anonymous": ("sign-in",) * 3,
        "member": ("200", "404", "404"),
        "other_member": ("404", "200", "404"),
    },
    "campaigns:export-download": {
        **{role: ("404",) * 3 for role in ROLES},
        "anonymous": ("sign-in",) * 3,
        "member": ("200", "404", "404"),
        "other_member": ("404", "200", "404"),
    },
}


# A GET may record that it happened and nothing else: downloads and exports go into the audit
# trail and the download records, a visit to a campaign marks what the person has seen since,
# and the session holds how far sign-in has got.
RECORDS_OF_ACCESS = {
    "campaigns.Download",
    "campaigns.CampaignVisit",
    "audit.AuditEntry",
    "sessions.Session",
}


def rows_that_must_not_change() -> dict[str, list]:
    return {
        model._meta.label: list(model._base_manager.order_by("pk").values())
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed
        and not model._meta.proxy
        and model._meta.label not in RECORDS_OF_ACCESS
    }


def test_every_url_has_an_entry_in_the_matrix():
    portal_urls = {name for name in url_names() if not name.startswith("admin:")}
    assert portal_urls == set(MATRIX), "Add the new URL to MATRIX and ASKS, with who may use it."
    assert set(ASKS) == set(MATRIX)
    for name, expected in MATRIX.items():
        assert set(expected) == set(ROLES), name


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_each_person_gets_the_answer_the_matrix_gives_and_learns_nothing_more(world, name):
    spec = ASKS[name]
    clients = {role: client_as(world, role) for role in ROLES}
    before = rows_that_must_not_change()
    for role, client in clients.items():
        expected = MATRIX[name][role]
        if spec.about is None:
            assert answer(ask(world, client, name, "own")) == expected, role
            continue
        responses = {whose: ask(world, client, name, whose) for whose in WHOSE}
        assert tuple(answer(responses[whose]) for whose in WHOSE) == expected, role
        # What a person may not see answers exactly as what does not exist.
        for whose in ("own", "other"):
            if answer(responses[whose]) == "404" and answer(responses["missing"]) == "404":
                assert_same_page(responses[whose], responses["missing"])
    if spec.method == "GET":
        assert rows_that_must_not_change() == before, "A GET changed the database."


def admin_urls() -> list[str]:
    """Every URL of the Django admin, with "1" for any argument."""
    urls = []
    resolver = get_resolver()
    for name in sorted(n for n in url_names() if n.startswith("admin:")):
        possibilities = resolver.namespace_dict["admin"][1].reverse_dict.getlist(name[6:])
        for possibility, _pattern, defaults, _converters in possibilities:
            for _result, params in possibility:
                kwargs = {param: "1" for param in params if param not in defaults}
                if "app_label" in kwargs:
                    kwargs["app_label"] = "campaigns"
                urls.append(reverse(name, kwargs=kwargs))
    return sorted(set(urls))


def test_the_django_admin_sends_everyone_but_staff_to_sign_in(world):
    urls = admin_urls()
    assert len(urls) > 100  # every model's list, add, change, delete and history pages
    admin_login, sign_in = reverse("admin:login"), reverse("agencies:sign-in")
    for role in ROLES:
        if role == "staff":
            continue
        client = client_as(world, role)
        for url in urls:
            response = client.get(url)
            if url == admin_login and role != "anonymous":
                # Signed in already: told the admin is not for them, not sent round again.
                assert response.status_code == 403, role
                continue
            assert response.status_code == 302, (role, url)
            sent_to = response["Location"]
            if url == reverse("admin:logout") and role != "anonymous":
                # Signing out goes back to the admin's front page, which sends them on too.
                assert sent_to == reverse("admin:index"), role
            else:
                assert sent_to.startswith((admin_login, sign_in)), (role, url)


def test_staff_reach_every_admin_page_without_an_error(world):
    client = client_as(world, "staff")
    answers = {url: client.get(url).status_code for url in admin_urls()}
    assert answers[reverse("admin:index")] == 200
    assert not {url: status for url, status in answers.items() if status >= 500}


def test_every_post_without_a_csrf_token_is_refused_and_changes_nothing(world):
    clients = {}
    for role in ("anonymous", "member", "admin", "staff"):
        clients[role] = Client(enforce_csrf_checks=True)
        if world.people[role] is not None:
            sign_in_fully(clients[role], world.people[role])
    before = rows_that_must_not_change()
    for role in ("anonymous", "member", "admin"):
        client = clients[role]
        for name, spec in ASKS.items():
            url = url_for(name, spec, world, "own")
            response = client.post(url, spec.data or {})
            assert response.status_code == 403, (role, name)
            assert b"csrf" in response.content.lower() or b"expired" in response.content.lower()
    for url in admin_urls():
        assert clients["staff"].post(url, {}).status_code == 403, url
    assert rows_that_must_not_change() == before


# --- Filters, search and exports -------------------------------------------------------------


def test_filtering_activity_by_another_organisation_answers_as_for_one_that_does_not_exist(
    world, force_c
):
    client = client_as(world, "member")
    url = reverse("campaigns:activity-list")
    assert_same_page(
        client.get(url, {"organisation": force_c.slug}),
        client.get(url, {"organisation": "no-such-force"}),
    )
    export = reverse("campaigns:activity-export", kwargs={"fmt": "csv"})
    assert body(client.get(export, {"organisation": force_c.slug})) == body(
        client.get(export, {"organisation": "no-such-force"})
    )


def test_an_activity_export_holds_the_partners_own_records_only(world, force_a, force_c):
    member = client_as(world, "member").get(
        reverse("campaigns:activity-export", kwargs={"fmt": "csv"})
    )
    rows = body(member).decode("utf-8-sig")
    assert force_a.name in rows
    assert force_c.name not in rows
    charity = client_as(world, "admin").get(
        reverse("campaigns:activity-export", kwargs={"fmt": "csv"})
    )
    assert force_a.name in body(charity).decode("utf-8-sig")
    assert force_c.name not in body(charity).decode("utf-8-sig")


def test_filtering_the_audit_trail_by_another_organisation_answers_as_for_none(
    world, force_c, other_force_officer
):
    client = client_as(world, "lead")
    for url in (reverse("audit-trail"), reverse("audit-export")):
        first = client.get(url, {"organisation": force_c.slug})
        second = client.get(url, {"organisation": "no-such-force"})
        if url.endswith(".csv"):
            assert body(first) == body(second)
        else:
            assert_same_page(first, second)
        terms = (other_force_officer.email, "nobody-at-all@example.org")
        searched, nobody = (client.get(url, {"person": term}) for term in terms)
        assert_same_results(searched, nobody, *terms)


def test_searching_a_toolkit_never_finds_another_campaigns_material(world, campaign):
    client = client_as(world, "member")
    url = reverse("campaigns:toolkit", args=[campaign.slug])
    assert b"Launch poster" in client.get(url, {"q": "poster"}).content
    terms = ("Another poster", "Nothing like it")
    assert_same_results(*(client.get(url, {"q": term}) for term in terms), *terms)


# --- Material that cannot be used now ----------------------------------------------------------


@pytest.mark.parametrize(
    "details",
    [
        {"release_at": timezone.now() + timedelta(days=30)},
        {"expires_at": timezone.now() - timedelta(days=1)},
        {"withdrawn_at": timezone.now(), "withdrawal_reason": "Out of date"},
    ],
    ids=["not released", "expired", "withdrawn"],
)
def test_unusable_material_is_explained_only_to_whom_it_is_meant_for(
    world, campaign, charity_admin, force_a, council_b, details
):
    """Force A's member is told why she cannot use material meant for her; material meant for
    council B only, council B's drafts and another campaign's material still answer exactly as
    missing material does, on the material's page and its download link."""
    meant_for_her = make_material(campaign, by=charity_admin, **details)
    for_councils = make_material(campaign, by=charity_admin, audience="councils", **details)
    named_for_b = make_material(
        campaign,
        by=charity_admin,
        audience="named",
        audience_organisations=(council_b,),
        **details,
    )
    draft_of_b = make_material(campaign, owner=council_b, approved=False, **details)
    member = client_as(world, "member")
    other_member = client_as(world, "other_member")
    for name in ("campaigns:material-detail", "campaigns:material-download"):
        missing = member.get(reverse(name, args=[MISSING_ID]))
        assert missing.status_code == 404
        told = member.get(reverse(name, args=[meant_for_her.pk]))
        assert told.status_code in (409, 410)
        assert b"cannot be used now" in told.content
        for hidden in (for_councils, named_for_b, draft_of_b):
            assert_same_page(member.get(reverse(name, args=[hidden.pk])), missing)
        assert_same_page(
            other_member.get(reverse(name, args=[meant_for_her.pk])),
            other_member.get(reverse(name, args=[MISSING_ID])),
        )
