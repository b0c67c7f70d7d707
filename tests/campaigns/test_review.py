"""The review workflow: guarded transitions, kept decisions, and who may make them."""

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from campaigns.models import MaterialVersion, WorkflowError
from tests.factories import make_material


def approve_url(material, number=1):
    return reverse("campaigns:version-approve", args=[material.pk, number])


def changes_url(material, number=1):
    return reverse("campaigns:version-request-changes", args=[material.pk, number])


@pytest.fixture
def submitted(campaign, force_a, police_officer):
    """A force-branded poster submitted by force A's officer, waiting for review."""
    return make_material(
        campaign, owner=force_a, approved=False, by=police_officer, title="Force poster"
    )


def test_an_admin_approves_and_the_version_becomes_current(
    client_for,
    charity_admin,
    submitted,
    police_officer,
    django_capture_on_commit_callbacks,
    run_tasks,
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(charity_admin).post(approve_url(submitted), {"comment": "Lovely"})
    assert response.status_code == 302
    version = submitted.versions.get()
    assert version.status == "approved"
    assert version.decided_by == charity_admin
    assert version.decision_comment == "Lovely"
    assert version.decided_at is not None
    run_tasks()
    assert [m.to for m in mail.outbox] == [[police_officer.email]]
    assert mail.outbox[0].subject == "Approved: Force poster"
    entry = AuditEntry.objects.get(action="asset.approved")
    assert (entry.actor, entry.material, entry.data["version"]) == (charity_admin, submitted, 1)


def test_asking_for_changes_needs_a_comment(client_for, charity_admin, submitted):
    client = client_for(charity_admin)
    response = client.post(changes_url(submitted), {"comment": "  "}, follow=True)
    assert "Say what needs to change" in response.content.decode()
    assert submitted.versions.get().status == "in_review"
    client.post(changes_url(submitted), {"comment": "Use the regional helpline number"})
    version = submitted.versions.get()
    assert version.status == "changes_requested"
    assert version.decision_comment == "Use the regional helpline number"


def test_the_submitter_is_told_what_to_change(
    client_for,
    charity_admin,
    submitted,
    police_officer,
    django_capture_on_commit_callbacks,
    run_tasks,
):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(charity_admin).post(changes_url(submitted), {"comment": "Add the logo"})
    run_tasks()
    assert mail.outbox[0].to == [police_officer.email]
    assert "Add the logo" in mail.outbox[0].body


def test_the_submitter_can_turn_decision_emails_off(
    client_for,
    charity_admin,
    submitted,
    police_officer,
    django_capture_on_commit_callbacks,
    run_tasks,
):
    police_officer.email_review_outcomes = False
    police_officer.save()
    with django_capture_on_commit_callbacks(execute=True):
        client_for(charity_admin).post(approve_url(submitted))
    run_tasks()
    assert mail.outbox == []


@pytest.mark.parametrize("who", ["police_officer", "force_lead"])
def test_a_partner_cannot_approve_even_their_own_material(client_for, submitted, who, request):
    response = client_for(request.getfixturevalue(who)).post(approve_url(submitted))
    assert response.status_code == 403
    assert submitted.versions.get().status == "in_review"


@pytest.mark.parametrize("who", ["council_officer", "other_charity_admin", "outsider"])
def test_people_who_cannot_see_it_get_404(client_for, submitted, who, request):
    response = client_for(request.getfixturevalue(who)).post(approve_url(submitted))
    assert response.status_code == 404
    assert submitted.versions.get().status == "in_review"


def test_deciding_needs_a_post_and_sign_in(client, client_for, charity_admin, submitted):
    assert client_for(charity_admin).get(approve_url(submitted)).status_code == 405
    client.logout()
    assert client.post(approve_url(submitted)).status_code == 302
    assert submitted.versions.get().status == "in_review"


def test_approving_twice_is_refused_with_who_did_it(client_for, charity_admin, submitted):
    client = client_for(charity_admin)
    client.post(approve_url(submitted))
    response = client.post(approve_url(submitted), follow=True)
    assert "already approved by" in response.content.decode()
    assert AuditEntry.objects.filter(action="asset.approved").count() == 1


def test_two_admins_deciding_at_once_one_wins_and_the_other_sees_why(
    submitted, charity_admin, charity
):
    from tests.factories import make_user

    colleague = make_user(organisation=charity, role="campaign_admin", full_name="Second Admin")
    # Both opened the page while the version was waiting.
    first = MaterialVersion.objects.select_related("material__campaign").get(material=submitted)
    second = MaterialVersion.objects.select_related("material__campaign").get(material=submitted)
    first.approve(by=charity_admin)
    with pytest.raises(WorkflowError, match="already approved by"):
        second.request_changes(by=colleague, comment="Too late")
    version = MaterialVersion.objects.get(material=submitted)
    assert (version.status, version.decided_by) == ("approved", charity_admin)


def test_a_withdrawn_material_cannot_be_approved(client_for, charity_admin, submitted):
    submitted.withdraw(by=charity_admin, reason="Not needed")
    response = client_for(charity_admin).post(approve_url(submitted))
    # Withdrawn material is still the admins' to see, but the decision is refused.
    assert response.status_code == 302
    assert submitted.versions.get().status == "in_review"


def test_approving_a_new_version_supersedes_the_old_one(client_for, charity_admin, campaign):
    material = make_material(campaign)
    MaterialVersion.objects.create(
        material=material,
        number=2,
        text="",
        file="material/x.png",
        alt_text="New",
        status="in_review",
    )
    client_for(charity_admin).post(approve_url(material, 2))
    statuses = dict(material.versions.values_list("number", "status"))
    assert statuses == {1: "superseded", 2: "approved"}


def test_an_image_without_alt_text_cannot_be_approved(client_for, charity_admin, submitted):
    MaterialVersion.objects.filter(material=submitted).update(alt_text="", content_type="image/png")
    response = client_for(charity_admin).post(approve_url(submitted), follow=True)
    assert "Add alt text" in response.content.decode()
    assert submitted.versions.get().status == "in_review"


def test_the_database_refuses_two_approved_versions(campaign):
    material = make_material(campaign)
    with pytest.raises(IntegrityError), transaction.atomic():
        MaterialVersion.objects.create(
            material=material, number=2, text="x", status="approved", decided_at=timezone.now()
        )


def test_the_database_refuses_an_approval_without_a_time(campaign):
    material = make_material(campaign, approved=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        MaterialVersion.objects.filter(material=material).update(status="approved")


def test_the_database_refuses_changes_requested_without_a_comment(campaign):
    material = make_material(campaign, approved=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        MaterialVersion.objects.filter(material=material).update(
            status="changes_requested", decided_at=timezone.now()
        )


def test_the_review_queue_lists_what_waits_for_this_admin_only(
    client_for, charity_admin, other_charity_admin, submitted, other_campaign
):
    make_material(other_campaign, approved=False, title="Elsewhere")
    response = client_for(charity_admin).get(reverse("campaigns:review-queue"))
    assert [v.material.title for v in response.context["page"]] == ["Force poster"]
    other = client_for(other_charity_admin).get(reverse("campaigns:review-queue"))
    assert [v.material.title for v in other.context["page"]] == ["Elsewhere"]


def test_partners_have_no_review_queue(client_for, police_officer):
    assert client_for(police_officer).get(reverse("campaigns:review-queue")).status_code == 403


def test_the_review_queue_costs_the_same_queries_for_many_versions(
    client_for, charity_admin, campaign, django_assert_num_queries
):
    client = client_for(charity_admin)
    for number in range(30):
        make_material(campaign, approved=False, title=f"Waiting {number}")
    # 1. the session
    # 2. the person with their memberships and authenticator
    # 3. the page of versions, one query joining material, campaign, owner and uploader; as
    #    they fit on one page, they are counted by reading them
    with django_assert_num_queries(3):
        response = client.get(reverse("campaigns:review-queue"))
    assert len(response.context["page"]) == 30


def test_a_long_review_queue_is_read_a_page_at_a_time_oldest_first(
    client_for, charity_admin, campaign, django_assert_num_queries
):
    from campaigns.views.toolkit import REVIEW_PAGE_SIZE

    for number in range(REVIEW_PAGE_SIZE + 3):
        make_material(campaign, approved=False, title=f"Waiting {number:03}")
    client = client_for(charity_admin)
    first = client.get(reverse("campaigns:review-queue"))
    titles = [version.material.title for version in first.context["page"]]
    assert titles == [f"Waiting {number:03}" for number in range(REVIEW_PAGE_SIZE)]
    html = first.content.decode()
    assert f"{REVIEW_PAGE_SIZE + 3} versions, oldest first." in html
    assert 'aria-label="Pages of the review queue"' in html
    following = first.context["page"].next_query
    # Session, person, the page, and (the queue being longer than a page) its count.
    with django_assert_num_queries(4):
        second = client.get(reverse("campaigns:review-queue") + "?" + following)
    assert [version.material.title for version in second.context["page"]] == [
        f"Waiting {number:03}" for number in range(REVIEW_PAGE_SIZE, REVIEW_PAGE_SIZE + 3)
    ]
    last = client.get(reverse("campaigns:review-queue") + "?page=last")
    assert [v.material.title for v in last.context["page"]][
        -1
    ] == f"Waiting {REVIEW_PAGE_SIZE + 2:03}"


@pytest.mark.parametrize(
    "moment", ["0001-01-01T00:00:00%2B14:00", "9999-12-31T23:59:59-14:00", "9999-12-31T23:59:59"]
)
def test_a_position_at_the_calendar_s_edge_shows_the_first_page(
    client_for, charity_admin, campaign, moment
):
    make_material(campaign, approved=False, title="Waiting")
    response = client_for(charity_admin).get(
        f"{reverse('campaigns:review-queue')}?after={moment}_1"
    )
    assert response.status_code == 200
    assert [version.material.title for version in response.context["page"]] == ["Waiting"]
