"""Data protection: the public privacy notice and accessibility statement, a person's download of
everything the portal holds about them, anonymisation after deactivation, the retention of
downloads and audit entries, and backup and restore."""

import hashlib
import io
import json
from datetime import date, datetime, timedelta

import pytest
from django.apps import apps
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, models, transaction
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.models import Invitation, Membership, Organisation, RecoveryCode, User
from agencies.personal_data import NEVER_EXPORTED, person_links, personal_data
from audit.models import AuditEntry, AuditSummary
from audit.services import record
from campaigns.models import (
    Activity,
    ActivityComment,
    ActivityRevision,
    Campaign,
    CampaignPartner,
    CampaignVisit,
    Channel,
    Download,
    EnforcementFigures,
    Export,
    FigureImport,
    HelpSeekerFigure,
    LocalisedTemplate,
    Material,
    PartnerVisits,
    ReleaseNotice,
    WithdrawalNotice,
)
from campaigns.models.downloads import DownloadSummary
from outbox.models import OutgoingEmail
from portal import backup
from tests.factories import (
    make_campaign,
    make_charity,
    make_force_area,
    make_material,
    make_organisation,
    make_region,
    make_user,
    png_bytes,
)
from tests.stored import remove_every_stored_file, replace_stored_file, stored_contents

# --- The world: a row that points at one person through every link there is -----------------


def a_row_through_every_link(
    person: User, *, campaign: Campaign, organisation: Organisation, colleague: User
) -> None:
    """At least one row pointing at the person through each link to a person the portal has.

    A model added later that points at people fails test_the_export_covers_every_link_to_a_person
    until a row of it is made here, and so cannot be forgotten by the export.
    """
    now = timezone.now()
    campaign.created_by = person
    campaign.save(update_fields=["created_by"])
    CampaignPartner.objects.filter(campaign=campaign).update(added_by=person)
    CampaignVisit.objects.create(user=person, campaign=campaign, last_seen_at=now)
    material = make_material(campaign, title="Launch poster", by=person, created_by=person)
    withdrawn = make_material(campaign, title="Old leaflet", by=person)
    Material.objects.filter(pk=withdrawn.pk).update(
        withdrawn_at=now, withdrawn_by=person, withdrawal_reason="Out of date"
    )
    WithdrawalNotice.objects.create(user=person, material=withdrawn, created_at=now)
    ReleaseNotice.objects.create(user=person, material=material, created_at=now)
    Export.objects.create(
        requested_by=person, kind="activity", format="csv", filename="a.csv", created_at=now
    )
    OutgoingEmail.objects.create(
        key="test:1",
        template="material_released",
        to=person.email,
        subject="New campaign material: Launch poster",
        text="",
        html="",
        created_at=now,
        next_attempt_at=now,
    )
    Download.objects.create(
        material=material,
        version=material.versions.get(),
        user=person,
        organisation=organisation,
        downloaded_at=now,
    )
    Membership.objects.create(
        user=colleague,
        organisation=organisation,
        invited_by=person,
        is_active=False,
        deactivated_at=now,
        deactivated_by=person,
    )
    Invitation.objects.create(
        email=person.email,
        organisation=organisation,
        role=Membership.Role.MEMBER,
        invited_by=person,
        token_hash=Invitation.hash_token("a secret token"),
        expires_at=now + timedelta(days=7),
        accepted_at=now,
        accepted_by=person,
    )
    activity = Activity(
        campaign=campaign,
        organisation=organisation,
        logged_by=person,
        activity_type=Activity.Type.POSTERS,
        started_on=date(2026, 6, 1),
        quantity=40,
        evidence_name="posters.png",
    )
    activity.evidence.save("posters.png", ContentFile(png_bytes((8, 8), "green")), save=False)
    activity.save()
    ActivityRevision.objects.create(
        activity=activity, number=1, edited_by=person, edited_at=now, data=activity.snapshot()
    )
    ActivityComment.objects.create(activity=activity, author=person, body="Posters are up.")
    RecoveryCode.objects.create(user=person, code_hash="argon2$not-a-real-hash")
    EnforcementFigures.objects.create(
        campaign=campaign,
        organisation=organisation,
        period_start=date(2025, 6, 1),
        period_end=date(2026, 5, 31),
        search_warrants=90,
        logged_by=person,
    )
    figure_import = FigureImport(
        organisation=campaign.lead_organisation,
        filename="figures.xlsx",
        sha256="0" * 64,
        status=FigureImport.Status.UNDONE,
        uploaded_by=person,
        committed_at=now,
        undone_at=now,
        undone_by=person,
    )
    figure_import.file.save("figures.xlsx", ContentFile(b"a spreadsheet"), save=False)
    figure_import.save()
    HelpSeekerFigure.objects.create(
        region=campaign.region,
        force_area=organisation.force_area,
        channel=Channel.objects.create(name="Helpline", slug="helpline"),
        period_start=date(2026, 6, 1),
        period_end=date(2026, 6, 30),
        count=12,
        source_import=figure_import,
    )
    LocalisedTemplate.objects.create(material=material, kind="poster", marked_by=person)
    PartnerVisits.objects.create(
        campaign=campaign,
        organisation=organisation,
        medium="poster",
        period_start=date(2026, 6, 1),
        period_end=date(2026, 6, 30),
        visits=12,
        imported_by=person,
        imported_at=now,
    )
    record(AuditEntry.Action.SIGNED_IN, actor=person, data={"note": "from the office"})
    record(AuditEntry.Action.SIGN_IN_FAILED, data={"email": person.email.upper()})
    record(AuditEntry.Action.PERSON_DEACTIVATED, actor=colleague, subject_user=person)
    LogEntry.objects.create(
        user=person,
        content_type=ContentType.objects.get_for_model(get_user_model()),
        object_id=str(colleague.pk),
        object_repr=str(colleague),
        action_flag=ADDITION,
    )
    TOTPDevice.objects.create(user=person, name="Work phone")


def introspected_links() -> set[tuple[str, str]]:
    """The test's own view of every (model, field) that can point at a person: any relation to
    the user model, and any e-mail address field outside it."""
    user_model = get_user_model()
    links = set()
    for model in apps.get_models():
        if model._meta.proxy:
            continue
        for field in model._meta.get_fields():
            if field.auto_created:
                continue  # Reverse relations and automatic primary keys.
            if field.is_relation and field.related_model is user_model:
                links.add((model._meta.label, field.name))
            if isinstance(field, models.EmailField) and model is not user_model:
                links.add((model._meta.label, field.name))
    return links


# --- The privacy notice and accessibility statement -----------------------------------------


def test_the_privacy_notice_is_public_and_states_the_retention_periods_in_force(
    client, db, settings
):
    settings.DEACTIVATED_RETENTION_DAYS = 123
    settings.DOWNLOAD_RETENTION_DAYS = 456
    settings.AUDIT_RETENTION_DAYS = 789
    response = client.get(reverse("privacy-notice"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1" in page and "Privacy notice" in page
    assert "The Lucy Faithfull Foundation" in page
    for period in ["123 days", "456 days", "789 days"]:
        assert period in page
    assert "Legitimate interests" in page and "Public task" in page
    assert "to be completed" in page  # The controller's own details are left to the deployer.


def test_the_accessibility_statement_is_public_and_in_the_public_sector_format(client, db):
    response = client.get(reverse("accessibility-statement"))
    assert response.status_code == 200
    page = response.content.decode()
    for heading in [
        "How accessible this website is",
        "Reporting accessibility problems with this website",
        "Enforcement procedure",
        "Compliance status",
        "How we tested this website",
    ]:
        assert heading in page
    assert "Web Content Accessibility Guidelines version 2.2" in page
    assert "Equality and Human Rights Commission" in page
    assert "axe-core" in page


def test_the_sign_in_page_links_to_both_pages(client, db):
    page = client.get(reverse("agencies:sign-in")).content.decode()
    assert f'href="{reverse("privacy-notice")}"' in page
    assert f'href="{reverse("accessibility-statement")}"' in page


@pytest.mark.parametrize("name", ["privacy-notice", "accessibility-statement"])
def test_the_public_pages_only_answer_get(client, db, name):
    assert client.post(reverse(name)).status_code == 405


# --- Download my data ---------------------------------------------------------------------------


def test_download_my_data_needs_sign_in(client, db):
    for method in (client.get, client.post):
        response = method(reverse("my-data"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("agencies:sign-in"))


def test_download_my_data_only_answers_get_and_post(client_for, police_officer):
    assert client_for(police_officer).put(reverse("my-data")).status_code == 405


def test_the_page_explains_the_download(client_for, police_officer):
    response = client_for(police_officer).get(reverse("my-data"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Download my data" in page
    assert '<form method="post">' in page
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.PERSONAL_DATA_EXPORTED).exists()


def test_a_person_downloads_their_own_data_as_json_and_it_is_recorded(
    client_for, police_officer, council_officer, campaign, force_a, council_b
):
    material = make_material(campaign)
    for person, organisation in [(police_officer, force_a), (council_officer, council_b)]:
        Download.objects.create(
            material=material,
            version=material.versions.get(),
            user=person,
            organisation=organisation,
            downloaded_at=timezone.now(),
        )
    response = client_for(police_officer).post(reverse("my-data"), REMOTE_ADDR="192.0.2.7")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    today = timezone.localdate()
    assert response["Content-Disposition"] == f'attachment; filename="my-data-{today}.json"'
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["person"]["email"] == police_officer.email
    assert "password" not in data["person"]
    downloads = data["records"]["campaigns.Download"]["user"]
    assert [row["user_id"] for row in downloads] == [police_officer.pk]
    memberships = data["records"]["agencies.Membership"]["user"]
    assert [row["organisation_id"] for row in memberships] == [force_a.pk]
    entry = AuditEntry.objects.get(action=AuditEntry.Action.PERSONAL_DATA_EXPORTED)
    assert (entry.actor, entry.subject_user, entry.ip_address) == (
        police_officer,
        police_officer,
        "192.0.2.7",
    )


def test_the_export_covers_every_link_to_a_person(police_officer, charity_admin, campaign, force_a):
    assert {(link.label, link.field.name) for link in person_links()} == introspected_links()
    a_row_through_every_link(
        police_officer, campaign=campaign, organisation=force_a, colleague=charity_admin
    )
    data = personal_data(police_officer)
    exported = {
        (label, field)
        for label, fields in data["records"].items()
        for field, rows in fields.items()
        if rows
    }
    missing = introspected_links() - exported
    assert not missing, f"Rows that point at the person but are not exported: {sorted(missing)}"
    [failed] = data["records"]["audit.AuditEntry"]["data.email"]
    assert failed["action"] == "auth.sign_in_failed"
    for link in person_links():
        for row in data["records"][link.label][link.field.name]:
            if link.by_email:
                assert row[link.field.attname].lower() == police_officer.email
            elif not link.field.many_to_many:
                assert row[link.field.attname] == police_officer.pk


def test_the_export_is_plain_json_with_files_by_name_and_size_and_no_secrets(
    police_officer, charity_admin, campaign, force_a
):
    a_row_through_every_link(
        police_officer, campaign=campaign, organisation=force_a, colleague=charity_admin
    )
    data = personal_data(police_officer)
    text = json.dumps(data)  # No encoder needed: everything is already plain JSON.

    def keys(value: object) -> set[str]:
        if isinstance(value, dict):
            return set(value) | {key for item in value.values() for key in keys(item)}
        if isinstance(value, list):
            return {key for item in value for key in keys(item)}
        return set()

    assert not keys(data) & NEVER_EXPORTED
    assert police_officer.password not in text
    assert TOTPDevice.objects.get(user=police_officer).key not in text
    assert Invitation.objects.get(accepted_by=police_officer).token_hash not in text
    activity = Activity.objects.get(logged_by=police_officer)
    [row] = data["records"]["campaigns.Activity"]["logged_by"]
    assert row["evidence"] == {"name": activity.evidence.name, "size": activity.evidence.size}
    assert row["started_on"] == "2026-06-01"
    assert row["created_at"].startswith(str(activity.created_at.year))


# --- Anonymisation ------------------------------------------------------------------------------


def deactivate(person: User, *, days_ago: int) -> None:
    Membership.objects.filter(user=person).update(
        is_active=False, deactivated_at=timezone.now() - timedelta(days=days_ago)
    )
    person.is_active = False
    person.save(update_fields=["is_active"])


def session_for(person: User) -> str:
    store = SessionStore()
    store[SESSION_KEY] = str(person.pk)
    store.create()
    return store.session_key


def anonymise(*options: str) -> str:
    out = io.StringIO()
    call_command("anonymise_people", *options, stdout=out)
    return out.getvalue()


def test_a_person_deactivated_past_the_retention_period_is_anonymised(
    settings, police_officer, charity_admin, campaign, force_a
):
    settings.DEACTIVATED_RETENTION_DAYS = 365
    police_officer.job_title = "Communications officer"
    police_officer.save()
    a_row_through_every_link(
        police_officer, campaign=campaign, organisation=force_a, colleague=charity_admin
    )
    their_session, other_session = session_for(police_officer), session_for(charity_admin)
    deactivate(police_officer, days_ago=400)
    old_name = police_officer.full_name

    output = anonymise()

    person = get_user_model().objects.get(pk=police_officer.pk)
    assert person.full_name == f"Former member {person.pk}"
    assert person.email == f"former-member-{person.pk}@anonymised.invalid"
    assert person.job_title == ""
    assert not person.has_usable_password()
    assert not Session.objects.filter(session_key=their_session).exists()
    assert Session.objects.filter(session_key=other_session).exists()
    assert not TOTPDevice.objects.filter(user=person).exists()
    assert Invitation.objects.get(accepted_by=person).email == person.email
    # What they did stays, pointing at the anonymised account.
    assert Download.objects.filter(user=person).count() == 1
    assert Activity.objects.filter(logged_by=person).count() == 1
    assert AuditEntry.objects.filter(actor=person).exists()
    entry = AuditEntry.objects.get(action=AuditEntry.Action.PERSON_ANONYMISED)
    assert (entry.subject_user, entry.actor, entry.organisation) == (person, None, force_a)
    assert old_name not in entry.target_repr
    assert entry.data["retention_days"] == 365
    assert "Anonymised 1 person" in output and str(person.pk) in output
    assert old_name not in output and "officer@force-a.example" not in output


def test_people_not_yet_due_are_left_alone(settings, force_a, charity_admin):
    settings.DEACTIVATED_RETENTION_DAYS = 365
    recent = make_user("recent@force-a.example", organisation=force_a)
    deactivate(recent, days_ago=100)
    staff = make_user("staff@force-a.example", organisation=force_a, is_staff=True)
    deactivate(staff, days_ago=400)
    active = make_user("active@force-a.example", organisation=force_a)
    Membership.objects.filter(user=active).update(
        is_active=False, deactivated_at=timezone.now() - timedelta(days=400)
    )
    returning = make_user("returning@force-a.example", organisation=force_a)
    deactivate(returning, days_ago=400)
    Invitation.objects.create(
        email=returning.email,
        organisation=force_a,
        role=Membership.Role.MEMBER,
        invited_by=charity_admin,
        token_hash=Invitation.hash_token("back again"),
        expires_at=timezone.now() + timedelta(days=3),
    )

    assert "Anonymised 0 people" in anonymise()
    assert not get_user_model().objects.filter(full_name__startswith="Former member").exists()


def test_someone_never_deactivated_through_a_membership_counts_from_their_last_sign_in(
    settings, db
):
    settings.DEACTIVATED_RETENTION_DAYS = 365
    long_ago = timezone.now() - timedelta(days=800)
    gone = make_user("gone@example.org", is_active=False, date_joined=long_ago)
    gone.last_login = long_ago
    gone.save()
    lately = make_user("lately@example.org", is_active=False, date_joined=long_ago)
    lately.last_login = timezone.now() - timedelta(days=30)
    lately.save()

    anonymise()

    gone.refresh_from_db()
    lately.refresh_from_db()
    assert gone.full_name == f"Former member {gone.pk}"
    assert lately.email == "lately@example.org"


def test_a_dry_run_changes_nothing_and_a_second_run_does_nothing(settings, police_officer):
    settings.DEACTIVATED_RETENTION_DAYS = 365
    deactivate(police_officer, days_ago=400)

    assert "Would anonymise 1 person" in anonymise("--dry-run")
    police_officer.refresh_from_db()
    assert police_officer.email == "officer@force-a.example"
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.PERSON_ANONYMISED).exists()

    anonymise()
    police_officer.refresh_from_db()
    anonymised = (police_officer.full_name, police_officer.email, police_officer.password)
    assert "Anonymised 0 people" in anonymise()
    police_officer.refresh_from_db()
    assert (police_officer.full_name, police_officer.email, police_officer.password) == anonymised
    assert AuditEntry.objects.filter(action=AuditEntry.Action.PERSON_ANONYMISED).count() == 1


# --- Retention of downloads and audit entries ---------------------------------------------------


def apply_retention(*options: str) -> str:
    out = io.StringIO()
    call_command("apply_retention", *options, stdout=out)
    return out.getvalue()


def first_of_month(moment: datetime) -> date:
    return timezone.localtime(moment).date().replace(day=1)


def make_download(
    material: Material, person: User, organisation: Organisation | None, at: datetime
) -> Download:
    return Download.objects.create(
        material=material,
        version=material.versions.get(),
        user=person,
        organisation=organisation,
        downloaded_at=at,
    )


def test_old_downloads_become_monthly_totals_and_later_runs_add_to_them(
    settings, campaign, police_officer, council_officer, force_a, council_b
):
    settings.DOWNLOAD_RETENTION_DAYS = 730
    material = make_material(campaign)
    old = timezone.now() - timedelta(days=800)
    make_download(material, police_officer, force_a, old)
    make_download(material, police_officer, force_a, old + timedelta(minutes=5))
    make_download(material, council_officer, council_b, old)
    make_download(material, council_officer, None, old)
    recent = make_download(material, police_officer, force_a, timezone.now() - timedelta(days=10))

    output = apply_retention()

    assert list(Download.objects.all()) == [recent]
    month = first_of_month(old)
    totals = {
        (summary.organisation, summary.month): summary.downloads
        for summary in DownloadSummary.objects.filter(material=material)
    }
    assert totals == {(force_a, month): 2, (council_b, month): 1, (None, month): 1}
    assert "Summarised and deleted 4 downloads older than 730 days" in output

    make_download(material, council_officer, council_b, old + timedelta(minutes=1))
    make_download(material, council_officer, None, old + timedelta(minutes=1))
    apply_retention()
    assert DownloadSummary.objects.get(material=material, organisation=council_b).downloads == 2
    assert DownloadSummary.objects.get(material=material, organisation=None).downloads == 2
    assert DownloadSummary.objects.count() == 3


def test_old_audit_entries_become_monthly_totals_and_later_runs_add_to_them(
    settings, police_officer, force_a
):
    settings.AUDIT_RETENTION_DAYS = 2190
    old = timezone.now() - timedelta(days=2200)
    for _ in range(3):
        AuditEntry.objects.create(
            at=old, action=AuditEntry.Action.SIGNED_IN, actor=police_officer, organisation=force_a
        )
    AuditEntry.objects.create(at=old, action=AuditEntry.Action.SIGN_IN_FAILED)
    recent = record(AuditEntry.Action.SIGNED_IN, actor=police_officer)

    output = apply_retention()

    assert list(AuditEntry.objects.all()) == [recent]
    month = first_of_month(old)
    totals = {(s.month, s.action, s.organisation): s.count for s in AuditSummary.objects.all()}
    assert totals == {
        (month, "auth.signed_in", force_a): 3,
        (month, "auth.sign_in_failed", None): 1,
    }
    assert "Summarised and deleted 4 audit entries older than 2190 days" in output

    AuditEntry.objects.create(at=old, action=AuditEntry.Action.SIGN_IN_FAILED)
    apply_retention()
    assert AuditSummary.objects.get(action="auth.sign_in_failed").count == 2
    assert list(AuditEntry.objects.all()) == [recent]


def test_a_dry_run_of_retention_changes_nothing(settings, campaign, police_officer, force_a):
    old = timezone.now() - timedelta(days=settings.AUDIT_RETENTION_DAYS + 10)
    make_download(make_material(campaign), police_officer, force_a, old)
    AuditEntry.objects.create(at=old, action=AuditEntry.Action.SIGNED_IN)

    output = apply_retention("--dry-run")

    assert "Would summarise and delete 1 downloads" in output
    assert "Would summarise and delete 1 audit entries" in output
    assert Download.objects.count() == 1 and AuditEntry.objects.count() == 1
    assert not DownloadSummary.objects.exists() and not AuditSummary.objects.exists()


def test_outside_retention_the_audit_trail_still_refuses_deletion(settings, police_officer):
    old = timezone.now() - timedelta(days=settings.AUDIT_RETENTION_DAYS + 10)
    AuditEntry.objects.create(at=old, action=AuditEntry.Action.SIGNED_IN)
    apply_retention()
    kept = record(AuditEntry.Action.SIGNED_IN, actor=police_officer)
    with pytest.raises(TypeError):
        AuditEntry.objects.all().delete()
    if connection.vendor == "postgresql":
        # The setting the retention run used ended with its transaction.
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM portal_auditentry")
    assert AuditEntry.objects.filter(pk=kept.pk).exists()


# --- Backup and restore -------------------------------------------------------------------------


def everything() -> dict[str, list]:
    """Every row of every table. Content types and permissions are compared by natural key, as
    migrate gives them ids of its own in each database; the rows behind a many-to-many field by
    the pair they link, as they are restored with their model and nothing refers to their ids."""
    types = {ct.pk: ct.natural_key() for ct in ContentType.objects.all()}
    rows: dict[str, list] = {
        "contenttypes.ContentType": sorted(types.values()),
        "auth.Permission": sorted(p.natural_key() for p in Permission.objects.all()),
    }
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label
        if label in rows or model._meta.proxy or getattr(model, "made_anew_by_a_restore", False):
            continue
        values = list(model._base_manager.order_by("pk").values())
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is ContentType:
                for value in values:
                    value[field.attname] = types[value[field.attname]]
        if model._meta.auto_created or getattr(model, "kept_by_the_database", False):
            # Made again as their rows are restored, under ids of their own.
            values = sorted(
                tuple(sorted((k, v) for k, v in value.items() if k != "id")) for value in values
            )
        rows[label] = values
    return rows


def test_a_backup_restores_every_record_and_every_file_into_an_empty_database(
    transactional_db, settings, tmp_path
):
    region = make_region("South West England")
    charity = make_charity()
    force = make_organisation(
        "Avon and Somerset Police", force_area=make_force_area("Avon and Somerset", region)
    )
    campaign = make_campaign("Campaign", lead=charity, partners=(force,), region=region)
    admin = make_user(
        "admin@charity.example", organisation=charity, role=Membership.Role.CAMPAIGN_ADMIN
    )
    officer = make_user("officer@force.example", organisation=force, job_title="Press officer")
    a_row_through_every_link(officer, campaign=campaign, organisation=force, colleague=admin)
    # A record moved to another month and back: its month's total is made again, under an id
    # a restore would not give it.
    Activity.objects.filter(organisation=force).update(started_on=date(2026, 7, 1))
    Activity.objects.filter(organisation=force).update(started_on=date(2026, 6, 1))
    make_material(
        campaign,
        title="Briefing",
        kind="press_release",
        file_bytes=b"%PDF-1.7 brief",
        filename="brief.pdf",
        content_type="application/pdf",
    ).tags.create(name="launch")
    session_for(officer)
    before = everything()
    files_before = stored_contents()
    assert len(files_before) == 5  # Three pieces of material, the evidence and an import.
    folder = tmp_path / "backup"

    out = io.StringIO()
    call_command("backup_portal", str(folder), stdout=out)
    assert "Backed up" in out.getvalue()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["counts"]["audit.AuditEntry"] == AuditEntry.objects.count()
    # The activity's monthly total is not in the backup: the database makes it again.
    assert manifest["counts"]["campaigns.ActivityMonthlyTotal"] == 1
    assert not any(
        "campaigns.activitymonthlytotal" in path.read_text()
        for path in folder.glob("*.json")
        if path.name != "manifest.json"
    )
    assert manifest["files"] == {
        name: {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
        for name, data in files_before.items()
    }
    assert folder.stat().st_mode & 0o077 == 0  # Only its owner may read it.

    call_command("flush", interactive=False, verbosity=0)
    remove_every_stored_file()
    assert not get_user_model().objects.exists() and stored_contents() == {}

    out = io.StringIO()
    call_command("restore_portal", str(folder), stdout=out)

    assert "Verified" in out.getvalue()
    assert everything() == before
    assert stored_contents() == files_before
    with pytest.raises(CommandError, match="already holds data"):
        call_command("restore_portal", str(folder), stdout=io.StringIO())


def test_a_backup_restores_figures_whatever_their_regions_stamps(transactional_db, tmp_path):
    from campaigns.models import RegionFiguresStamp

    region = make_region("South West England")
    make_user("someone@example.org")
    HelpSeekerFigure.objects.create(
        region=region,
        force_area=make_force_area("Avon and Somerset", region),
        channel=Channel.objects.create(name="Website", slug="website"),
        period_start=date(2026, 1, 1),
        period_end=date(2026, 1, 31),
        count=10,
    )
    before = RegionFiguresStamp.objects.get(region=region).stamp
    # As for figures written before the stamps were kept: none in the backup.
    RegionFiguresStamp.objects.all().delete()
    folder = tmp_path / "backup"
    call_command("backup_portal", str(folder), stdout=io.StringIO())
    call_command("flush", interactive=False, verbosity=0)
    out = io.StringIO()
    call_command("restore_portal", str(folder), stdout=out)
    assert "Verified" in out.getvalue()
    assert HelpSeekerFigure.objects.get().count == 10
    assert RegionFiguresStamp.objects.get(region=region).stamp not in (before, 0)


def test_a_damaged_backup_is_refused(tmp_path, police_officer):
    folder = tmp_path / "backup"
    call_command("backup_portal", str(folder), stdout=io.StringIO())
    records = folder / backup.RECORDS_FIXTURE
    records.write_text(records.read_text() + " ")
    with pytest.raises(CommandError, match="damaged"):
        call_command("restore_portal", str(folder), stdout=io.StringIO())


def test_verification_names_every_missing_or_changed_file_and_count(
    tmp_path, settings, campaign, police_officer
):
    make_material(
        campaign,
        title="One",
        file_bytes=b"%PDF one",
        filename="one.pdf",
        content_type="application/pdf",
    )
    make_material(
        campaign,
        title="Two",
        file_bytes=b"%PDF two",
        filename="two.pdf",
        content_type="application/pdf",
    )
    manifest = backup.back_up(tmp_path / "backup")
    assert backup.verify(manifest) == []
    first, second = sorted(manifest["files"])
    default_storage.delete(first)
    replace_stored_file(second, b"tampered")
    make_user("new@example.org")
    assert backup.verify(manifest) == [
        f"agencies.User: {manifest['counts']['agencies.User']} rows in the backup, "
        f"{manifest['counts']['agencies.User'] + 1} here.",
        f"File {first} is missing.",
        f"File {second} differs from the backup.",
    ]


def test_a_backup_is_only_written_into_an_empty_folder(tmp_path, db):
    folder = tmp_path / "backup"
    folder.mkdir()
    (folder / "something").write_text("already here")
    with pytest.raises(CommandError, match="not empty"):
        call_command("backup_portal", str(folder), stdout=io.StringIO())


def test_anonymisation_can_be_handed_to_the_task_worker(settings, police_officer, run_tasks):
    from django_tasks_db.models import DBTaskResult

    settings.DEACTIVATED_RETENTION_DAYS = 365
    deactivate(police_officer, days_ago=400)
    output = anonymise("--enqueue")
    assert "Queued for the task worker" in output
    police_officer.refresh_from_db()
    assert police_officer.full_name != f"Former member {police_officer.pk}", "not yet: queued"
    run_tasks()
    police_officer.refresh_from_db()
    assert police_officer.full_name == f"Former member {police_officer.pk}"
    assert DBTaskResult.objects.get().return_value == [police_officer.pk]


def test_retention_can_be_handed_to_the_task_worker(
    settings, campaign, police_officer, force_a, run_tasks
):
    settings.DOWNLOAD_RETENTION_DAYS = 730
    material = make_material(campaign)
    make_download(material, police_officer, force_a, timezone.now() - timedelta(days=800))
    assert "Queued for the task worker" in apply_retention("--enqueue")
    assert Download.objects.count() == 1
    run_tasks()
    assert Download.objects.count() == 0
    assert DownloadSummary.objects.get(material=material).downloads == 1


def test_old_outgoing_email_and_old_exports_are_deleted(settings, police_officer, run_tasks):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    settings.OUTBOX_RETENTION_DAYS, settings.EXPORT_RETENTION_DAYS = 90, 7
    now = timezone.now()

    def email(key, status, days_ago):
        return OutgoingEmail.objects.create(
            key=key,
            template="invitation",
            to=police_officer.email,
            subject="s",
            text="",
            html="",
            status=status,
            sent_at=now if status == "sent" else None,
            created_at=now - timedelta(days=days_ago),
            next_attempt_at=now,
        )

    old_sent, recent = email("a", "sent", 100), email("b", "sent", 10)
    waiting = email("c", "pending", 100)
    export = Export(
        requested_by=police_officer,
        kind="activity",
        format="csv",
        filename="a.csv",
        created_at=now - timedelta(days=8),
    )
    export.file.save("a.csv", ContentFile(b"Campaign\r\n"), save=False)
    export.save()
    name = export.file.name
    output = apply_retention("--dry-run")
    assert "Would delete 1 outgoing e-mail record(s) older than 90 days." in output
    assert OutgoingEmail.objects.count() == 3 and Export.objects.exists()
    output = apply_retention()
    assert "Deleted 1 export(s) older than 7 days." in output
    assert set(OutgoingEmail.objects.all()) == {recent, waiting}, "waiting mail is never deleted"
    assert not OutgoingEmail.objects.filter(pk=old_sent.pk).exists()
    assert not Export.objects.exists()
    assert not default_storage.exists(name)
