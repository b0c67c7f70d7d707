"""The audit trail's pages: who reads which entries, filters, export, and a constant cost."""

import csv
import io
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEntry
from audit.services import record
from tests.assertions import body, body_rows, walk_pages

TRAIL = reverse("audit-trail")
EXPORT = reverse("audit-export")


@pytest.fixture
def trail(campaign, other_campaign, charity, force_a, force_c, police_officer, charity_admin):
    return {
        "campaign": record(
            AuditEntry.Action.MATERIAL_DOWNLOADED,
            actor=police_officer,
            campaign=campaign,
            organisation=force_a,
            target="Poster",
        ),
        "force_a": record(
            AuditEntry.Action.PERSON_INVITED,
            actor=police_officer,
            organisation=force_a,
            target="Invitation A",
        ),
        "force_c": record(
            AuditEntry.Action.PERSON_INVITED, organisation=force_c, target="Invitation C"
        ),
        "other_campaign": record(
            AuditEntry.Action.MATERIAL_DOWNLOADED, campaign=other_campaign, target="Other poster"
        ),
        "charity": record(
            AuditEntry.Action.SIGNED_IN, actor=charity_admin, organisation=charity, target="Sign-in"
        ),
    }


def shown(response) -> set[str]:
    return {entry.target_repr for entry in response.context["page"]}


def test_a_campaign_admin_reads_their_campaigns_and_organisations_trail(
    client_for, charity_admin, trail
):
    assert shown(client_for(charity_admin).get(TRAIL)) == {"Poster", "Sign-in"}


def test_a_partner_lead_reads_their_organisations_trail(client_for, force_lead, trail):
    assert shown(client_for(force_lead).get(TRAIL)) == {"Poster", "Invitation A"}


@pytest.mark.parametrize("who", ["police_officer", "outsider"])
def test_members_without_a_lead_role_cannot_read_it(client_for, who, request, trail):
    client = client_for(request.getfixturevalue(who))
    assert client.get(TRAIL).status_code == 403
    assert client.get(EXPORT).status_code == 403


def test_the_trail_needs_sign_in_and_refuses_post(client, client_for, charity_admin):
    assert client.get(TRAIL).status_code == 302
    assert client_for(charity_admin).post(TRAIL).status_code == 405


def test_filters_narrow_it_and_cannot_reach_other_organisations(
    client_for, force_lead, force_c, trail
):
    client = client_for(force_lead)
    assert shown(client.get(TRAIL, {"action": "person.invited"})) == {"Invitation A"}
    assert shown(client.get(TRAIL, {"person": "officer@force-a"})) == {"Poster", "Invitation A"}
    refused = client.get(TRAIL, {"organisation": force_c.slug})
    assert refused.context["page"] is None
    assert client.get(EXPORT, {"organisation": force_c.slug}).status_code == 400


def test_the_organisation_filter_offers_only_organisations_of_entries_they_may_read(
    client_for, charity_admin, force_lead, charity, force_a, trail
):
    def offered(person) -> set[str]:
        form = client_for(person).get(TRAIL).context["filters"]
        return {organisation.slug for organisation in form.fields["organisation"].queryset}

    # Not force C's, nor the other campaign's, whose entries neither may read.
    assert offered(charity_admin) == {charity.slug, force_a.slug}
    assert offered(force_lead) == {force_a.slug}


def test_the_export_is_what_the_page_shows_and_is_itself_audited(client_for, charity_admin, trail):
    response = client_for(charity_admin).get(EXPORT, {"action": "asset.downloaded"})
    rows = list(csv.reader(io.StringIO(body(response).decode("utf-8-sig"))))
    assert [row[6] for row in rows[1:]] == ["Poster"]
    assert AuditEntry.objects.filter(action="audit.exported", actor=charity_admin).exists()


def test_the_trail_costs_the_same_queries_however_long(
    client_for, charity_admin, campaign, force_a, police_officer
):
    client = client_for(charity_admin)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(TRAIL).status_code == 200
        return len(queries)

    record(
        AuditEntry.Action.SIGNED_IN, actor=police_officer, campaign=campaign, organisation=force_a
    )
    few = count()
    for _ in range(50):
        record(
            AuditEntry.Action.MATERIAL_DOWNLOADED,
            actor=police_officer,
            campaign=campaign,
            organisation=force_a,
            subject_user=police_officer,
        )
    assert count() == few


def test_the_pages_hold_every_entry_once_forwards_and_backwards_with_the_filters(
    client_for, charity_admin, campaign, force_a
):
    for number in range(130):
        record(
            AuditEntry.Action.MATERIAL_DOWNLOADED,
            campaign=campaign,
            organisation=force_a,
            target=f"Poster {number}",
        )
    record(AuditEntry.Action.SIGNED_IN, actor=charity_admin, campaign=campaign, target="Sign-in")
    expected = list(
        AuditEntry.objects.filter(action=AuditEntry.Action.MATERIAL_DOWNLOADED).order_by(
            "-at", "-pk"
        )
    )
    client = client_for(charity_admin)
    forwards, links = walk_pages(client, TRAIL, "action=asset.downloaded", "next")
    assert [len(page) for page in forwards] == [100, 30]
    assert [entry for page in forwards for entry in page] == expected
    assert all("action=asset.downloaded" in query for page in links for query in page.values())
    backwards, _ = walk_pages(client, TRAIL, "action=asset.downloaded&page=last", "prev")
    assert [len(page) for page in backwards] == [100, 30]
    assert [entry for page in reversed(backwards) for entry in page] == expected


# The row as the trail's template wrote it before its rows were built in Python.
TEMPLATE_ROW = Template(
    "<tr><td>{{ entry.at|date:'j M Y, H:i:s' }}</td><td>{{ entry.action_label }}</td>"
    "<td>{{ entry.actor|default:'–' }}</td><td>{{ entry.organisation|default:'–' }}</td>"
    "<td>{% if entry.subject_user %}{{ entry.subject_user }}{% if entry.target_repr %}: "
    "{% endif %}{% endif %}{{ entry.target_repr }}</td><td>{{ entry.details }}</td>"
    "<td>{{ entry.ip_address|default:'' }}</td></tr>"
)


def test_each_entry_is_marked_up_as_the_template_wrote_it(
    client_for, charity_admin, police_officer, campaign, charity, force_a
):
    force_a.name = 'Avon & Somerset <"A&S"> Police'
    force_a.save()
    police_officer.full_name = "Jo O'Neill <jo>"
    police_officer.save()
    record(
        AuditEntry.Action.ROLE_CHANGED,
        actor=charity_admin,
        address="2001:db8::1",
        organisation=force_a,
        campaign=campaign,
        subject_user=police_officer,
        target="Membership <3>",
        data={"from": "member", "to": "lead", "from_label": "Partner member", "to_label": "Lead"},
    )
    record(AuditEntry.Action.PERSON_INVITED, campaign=campaign, subject_user=police_officer)
    # Stored in UTC; shown in UK time, an hour on in summer.
    AuditEntry.objects.create(
        at=datetime(2026, 7, 1, 11, 5, 9, tzinfo=UTC),
        action=AuditEntry.Action.MATERIAL_DOWNLOADED,
        campaign=campaign,
        target_repr="Poster & leaflet",
    )
    response = client_for(charity_admin).get(TRAIL)
    assert response.status_code == 200
    expected = [TEMPLATE_ROW.render(Context({"entry": each})) for each in response.context["page"]]
    assert len(expected) == 3
    assert body_rows(response) == expected
    shown = "\n".join(expected)
    assert "Jo O&#x27;Neill &lt;jo&gt;: Membership &lt;3&gt;" in shown
    assert "Avon &amp; Somerset &lt;&quot;A&amp;S&quot;&gt; Police" in shown
    assert "Partner member → Lead" in shown and "2001:db8::1" in shown
    assert "<td>–</td>" in shown  # no one did it: the system
    assert "<tr><td>1 Jul 2026, 12:05:09</td>" in shown
    assert "Poster &amp; leaflet" in shown
