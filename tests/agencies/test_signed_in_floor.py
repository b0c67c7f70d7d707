"""What being signed in costs each request: the session and one query for the person, their
memberships and their authenticator; no write unless a minute has passed since the last one; and
still no caching that could let a deactivated person, a removed membership or a removed
authenticator through."""

import time

from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies import two_step
from agencies.backends import load_person
from agencies.sessions import LAST_SEEN_AT
from tests.factories import authenticator_for

WRITES = ("INSERT", "UPDATE", "DELETE")


def writes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(WRITES)]


def age_last_seen(client, seconds: float) -> None:
    session = client.session
    session[LAST_SEEN_AT] = time.time() - seconds
    session.save()


def test_a_signed_in_page_costs_the_session_and_one_query_for_the_person(
    client_for, police_officer, django_assert_num_queries
):
    client = client_for(police_officer)
    client.get(reverse("privacy-notice"))  # records the last activity
    # 1. the session
    # 2. the person, their active memberships (organisation, force area, region) and their
    #    confirmed authenticators, in one query
    with django_assert_num_queries(2):
        response = client.get(reverse("privacy-notice"))
    assert response.status_code == 200
    assert "Signed in as" in response.content.decode()


def test_a_page_view_writes_nothing_within_a_minute_of_the_last_write(client_for, police_officer):
    client = client_for(police_officer)
    client.get(reverse("home"))
    for _ in range(3):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("home")).status_code == 200
        assert writes(queries) == []


def test_after_a_minute_one_page_view_records_the_activity_and_slides_the_expiry(
    client_for, police_officer
):
    client = client_for(police_officer)
    client.get(reverse("home"))
    age_last_seen(client, 61)
    key = client.session.session_key
    before = Session.objects.get(session_key=key).expire_date
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("home"))
    assert response.status_code == 200
    assert len(writes(queries)) == 1
    assert Session.objects.get(session_key=key).expire_date > before
    assert time.time() - client.session[LAST_SEEN_AT] < 5
    # The cookie is sent again with the new expiry.
    assert response.cookies["sessionid"]["max-age"] == 30 * 60


def test_a_session_idle_longer_than_the_limit_ends_on_the_server(
    client_for, police_officer, settings
):
    client = client_for(police_officer)
    client.get(reverse("home"))
    # Another save (a message, say) moved the stored expiry, but the last activity is old.
    age_last_seen(client, settings.SESSION_IDLE_MINUTES * 60 + 1)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("agencies:sign-in"))
    assert client.get(reverse("home")).status_code == 302


def test_a_session_idle_just_under_the_limit_stays(client_for, police_officer, settings):
    client = client_for(police_officer)
    age_last_seen(client, settings.SESSION_IDLE_MINUTES * 60 - 5)
    assert client.get(reverse("home")).status_code == 200


def test_the_idle_warning_counts_down_from_the_limit_less_the_recording_interval(
    client_for, police_officer, settings
):
    client = client_for(police_officer)
    page = client.get(reverse("home")).content.decode()
    idle = settings.SESSION_IDLE_MINUTES * 60
    assert f'data-idle-seconds="{idle - 60}"' in page


def test_staying_signed_in_records_the_activity_at_once(client_for, police_officer):
    client = client_for(police_officer)
    client.get(reverse("home"))
    age_last_seen(client, 20)
    assert client.post(reverse("agencies:session-keep-alive")).status_code == 204
    assert time.time() - client.session[LAST_SEEN_AT] < 5


def test_a_deactivated_person_loses_access_at_the_next_request(client_for, police_officer):
    client = client_for(police_officer)
    assert client.get(reverse("home")).status_code == 200
    type(police_officer).objects.filter(pk=police_officer.pk).update(is_active=False)
    assert client.get(reverse("home")).status_code == 302


def test_a_removed_membership_loses_access_at_the_next_request(
    client_for, police_officer, campaign
):
    client = client_for(police_officer)
    page = reverse("campaigns:campaign-detail", args=[campaign.slug])
    assert client.get(page).status_code == 200
    police_officer.memberships.update(is_active=False, deactivated_at=timezone.now())
    assert client.get(page).status_code == 404


def test_a_deactivated_organisation_loses_access_at_the_next_request(
    client_for, police_officer, campaign, force_a
):
    client = client_for(police_officer)
    page = reverse("campaigns:campaign-detail", args=[campaign.slug])
    assert client.get(page).status_code == 200
    type(force_a).objects.filter(pk=force_a.pk).update(is_active=False)
    assert client.get(page).status_code == 404


def test_a_removed_authenticator_unverifies_the_session_at_the_next_request(
    client_for, police_officer
):
    client = client_for(police_officer)
    assert client.get(reverse("home")).status_code == 200
    two_step.reset(police_officer)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("agencies:two-step-set-up"))


def test_the_person_comes_with_active_memberships_only_and_confirmed_authenticators(
    police_officer, force_lead, force_a, council_b, django_assert_num_queries
):
    from agencies.models import Membership

    Membership.objects.create(user=police_officer, organisation=council_b)
    device = authenticator_for(police_officer)
    type(device).objects.create(user=police_officer, name="pending", confirmed=False)
    with django_assert_num_queries(1):
        person = load_person(police_officer.pk)
        names = [m.organisation.name for m in person.active_memberships]
        region = person.active_memberships[0].organisation.force_area.region.name
        devices = person.confirmed_devices
    assert names == sorted([force_a.name, council_b.name])
    assert region == force_a.force_area.region.name
    assert [d.pk for d in devices] == [device.pk]
    assert person.organisation_ids == {force_a.pk, council_b.pk}

    Membership.objects.filter(user=police_officer, organisation=council_b).update(
        is_active=False, deactivated_at=timezone.now()
    )
    assert load_person(police_officer.pk).organisation_ids == {force_a.pk}
    assert load_person(0) is None


# --- Sessions in the shared cache (REDIS_URL) --------------------------------------------------
# Within one test process the local-memory cache is shared like Redis is between server processes.
def test_with_a_shared_cache_a_signed_in_page_costs_one_query(
    client_for, police_officer, settings, django_assert_num_queries
):
    settings.SESSION_ENGINE = "portal.cached_sessions"
    client = client_for(police_officer)
    client.get(reverse("privacy-notice"))
    # 1. the person, their active memberships and authenticators (the session is in the cache)
    with django_assert_num_queries(1):
        assert client.get(reverse("privacy-notice")).status_code == 200


def test_with_a_shared_cache_signing_out_ends_the_session_everywhere(
    client_for, police_officer, settings
):
    from django.core.cache import cache

    settings.SESSION_ENGINE = "portal.cached_sessions"
    client = client_for(police_officer)
    assert client.get(reverse("home")).status_code == 200
    key = client.session.session_key
    client.post(reverse("agencies:sign-out"))
    assert not Session.objects.filter(session_key=key).exists()
    assert cache.get(f"django.contrib.sessions.cached_db{key}") is None
    client.cookies["sessionid"] = key
    assert client.get(reverse("home")).status_code == 302
