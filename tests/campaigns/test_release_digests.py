"""Released material is announced in one e-mail per person per campaign, as released or once a day
as each person chooses, and loading the demo e-mails nobody."""

from datetime import date, timedelta

from django.core import mail
from django.urls import reverse
from django.utils import timezone

from agencies.models import User
from campaigns.demo import load_demo
from campaigns.models import ReleaseNotice
from campaigns.services.notifications import announce_released_material, send_daily_digests
from outbox.models import OutgoingEmail
from tests.factories import make_campaign, make_material


def mail_to(person):
    return [message for message in mail.outbox if message.to == [person.email]]


def test_material_released_together_comes_in_one_email_per_person(
    campaign, police_officer, run_tasks
):
    make_material(campaign, title="Poster")
    make_material(campaign, title="Social card")
    make_material(campaign, title="Press release")
    announce_released_material()
    run_tasks()
    [message] = mail_to(police_officer)
    assert message.subject == "3 new pieces of material in the South West regional campaign"
    for title in ["Poster", "Social card", "Press release"]:
        assert title in message.body
    assert "campaign campaign" not in message.body
    html = message.alternatives[0][0]
    assert "campaign campaign" not in html


def test_each_campaign_gets_its_own_digest(campaign, charity, force_a, police_officer, run_tasks):
    second = make_campaign("Summer push", lead=charity, partners=(force_a,))
    make_material(campaign, title="Poster")
    make_material(second, title="Summer card")
    announce_released_material()
    run_tasks()
    subjects = sorted(message.subject for message in mail_to(police_officer))
    assert subjects == ["New campaign material: Poster", "New campaign material: Summer card"]
    summer = next(m for m in mail_to(police_officer) if "Summer card" in m.subject)
    assert "in the Summer push campaign" in summer.body


def test_a_person_who_chose_a_daily_digest_gets_one_email_a_day(
    campaign, police_officer, force_lead, run_tasks
):
    police_officer.new_material_digest = User.NewMaterialDigest.DAILY
    police_officer.save()
    make_material(campaign, title="Morning poster")
    announce_released_material()
    later = timezone.now() + timedelta(hours=3)
    make_material(campaign, title="Afternoon card", release_at=later)
    announce_released_material(now=later)
    run_tasks()
    assert mail_to(police_officer) == [], "nothing until the daily digest"
    assert len(mail_to(force_lead)) == 2, "the lead chose e-mails as material is released"
    assert send_daily_digests() == 1
    run_tasks()
    [digest] = mail_to(police_officer)
    assert "Morning poster" in digest.body and "Afternoon card" in digest.body
    assert "since the last e-mail" in digest.body
    assert send_daily_digests() == 0, "the next day's digest starts afresh"
    run_tasks()
    assert len(mail_to(police_officer)) == 1


def test_material_withdrawn_before_the_daily_digest_is_left_out(
    campaign, police_officer, charity_admin, run_tasks
):
    police_officer.new_material_digest = User.NewMaterialDigest.DAILY
    police_officer.save()
    kept = make_material(campaign, title="Kept poster")
    gone = make_material(campaign, title="Wrong poster")
    announce_released_material()
    gone.withdraw(by=charity_admin, reason="Wrong number")
    send_daily_digests()
    run_tasks()
    [digest] = mail_to(police_officer)
    assert kept.title in digest.body
    assert gone.title not in digest.body


def test_announcing_twice_or_at_once_mails_nobody_twice(campaign, police_officer, run_tasks):
    make_material(campaign, title="Poster")
    assert announce_released_material() >= 1
    assert announce_released_material() == 0
    run_tasks()
    assert len(mail_to(police_officer)) == 1
    assert ReleaseNotice.objects.filter(user=police_officer, emailed_at__isnull=True).count() == 0


def test_people_choose_the_daily_digest_in_their_email_settings(client_for, police_officer):
    client = client_for(police_officer)
    url = reverse("agencies:email-settings")
    page = client.get(url).content.decode()
    assert "One e-mail a day listing what was released" in page
    response = client.post(
        url,
        {
            "email_new_material": "on",
            "new_material_digest": "daily",
            "email_review_outcomes": "on",
        },
    )
    assert response.status_code == 302
    police_officer.refresh_from_db()
    assert police_officer.new_material_digest == User.NewMaterialDigest.DAILY


def test_loading_the_demo_sends_nothing(db, run_tasks):
    load_demo(today=date(2026, 11, 23))
    assert announce_released_material() == 0
    assert send_daily_digests() == 0
    run_tasks()
    assert OutgoingEmail.objects.count() == 0
    assert mail.outbox == []
