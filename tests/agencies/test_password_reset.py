import re

from django.core import mail
from django.urls import reverse

from tests.factories import PASSWORD

RESET = reverse("agencies:password-reset")


def test_a_known_address_gets_a_link_that_sets_a_new_password(client, police_officer):
    response = client.post(RESET, {"email": "Officer@Force-A.example"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["officer@force-a.example"]
    assert message.alternatives, "the e-mail has an HTML part"
    link = re.search(r"http://testserver(/password/reset/\S+/)", message.body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    set_password_url = form_page.redirect_chain[-1][0]
    new = "a brand new long passphrase"
    done = client.post(set_password_url, {"new_password1": new, "new_password2": new})
    assert done.status_code == 302
    police_officer.refresh_from_db()
    assert police_officer.check_password(new)


def test_an_unknown_address_sees_the_same_page_and_nothing_is_sent(client, db):
    known = client.post(RESET, {"email": "nobody@example.org"})
    assert known.status_code == 302
    assert known["Location"] == reverse("agencies:password-reset-done")
    assert mail.outbox == []


def test_a_deactivated_person_gets_no_reset_link(client, police_officer):
    police_officer.is_active = False
    police_officer.save()
    client.post(RESET, {"email": police_officer.email})
    assert mail.outbox == []


def test_a_short_new_password_is_refused(client, police_officer):
    client.post(RESET, {"email": police_officer.email})
    link = re.search(r"http://testserver(/password/reset/\S+/)", mail.outbox[0].body).group(1)
    page = client.get(link, follow=True)
    url = page.redirect_chain[-1][0]
    response = client.post(url, {"new_password1": "short", "new_password2": "short"})
    assert response.status_code == 200
    assert "at least 12 characters" in response.content.decode()
    police_officer.refresh_from_db()
    assert police_officer.check_password(PASSWORD)


def test_password_change_needs_the_old_password(client_for, police_officer):
    client = client_for(police_officer)
    url = reverse("agencies:password-change")
    new = "another long passphrase ok"
    wrong = client.post(url, {"old_password": "wrong", "new_password1": new, "new_password2": new})
    assert wrong.status_code == 200
    right = client.post(url, {"old_password": PASSWORD, "new_password1": new, "new_password2": new})
    assert right.status_code == 302
    police_officer.refresh_from_db()
    assert police_officer.check_password(new)
