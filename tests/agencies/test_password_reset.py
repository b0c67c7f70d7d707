import re

from django.core import mail
from django.urls import reverse

from tests.factories import PASSWORD

RESET = reverse("agencies:password-reset")


def test_a_known_address_gets_a_link_that_sets_a_new_password(client, police_officer, run_tasks):
    response = client.post(RESET, {"email": "Officer@Force-A.example"})
    assert response.status_code == 302
    run_tasks()
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


def test_an_unknown_address_sees_the_same_page_and_nothing_is_sent(client, db, run_tasks):
    known = client.post(RESET, {"email": "nobody@example.org"})
    assert known.status_code == 302
    assert known["Location"] == reverse("agencies:password-reset-done")
    run_tasks()
    assert mail.outbox == []


def test_a_deactivated_person_gets_no_reset_link(client, police_officer, run_tasks):
    police_officer.is_active = False
    police_officer.save()
    client.post(RESET, {"email": police_officer.email})
    run_tasks()
    assert mail.outbox == []


def test_a_short_new_password_is_refused(client, police_officer, run_tasks):
    client.post(RESET, {"email": police_officer.email})
    run_tasks()
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


# --- Nobody can block a person's reset, and the page tells nobody who has an account ------------

EMAIL_TEMPLATES = {
    "emails/password_reset/subject.txt",
    "emails/password_reset/body.txt",
    "emails/password_reset/body.html",
}


def ask(client, email, address):
    return client.post(RESET, {"email": email}, REMOTE_ADDR=address)


def test_a_stranger_asking_for_a_persons_reset_cannot_block_the_persons_own_request(
    client, police_officer, run_tasks
):
    for _ in range(6):
        response = ask(client, police_officer.email, "203.0.113.66")
        # Past the limit the page answers exactly as before, and no more e-mail goes.
        assert response.status_code == 302
        assert response["Location"] == reverse("agencies:password-reset-done")
    run_tasks()
    assert len(mail.outbox) == 3
    mine = ask(client, police_officer.email, "198.51.100.20")
    assert mine["Location"] == reverse("agencies:password-reset-done")
    run_tasks()
    assert len(mail.outbox) == 4


def test_one_network_address_is_still_limited_to_ten_requests(client, db):
    answers = [ask(client, f"person{n}@example.org", "203.0.113.66") for n in range(11)]
    assert [answer.status_code for answer in answers[:10]] == [302] * 10
    assert answers[10].status_code == 429


def test_a_known_and_an_unknown_address_do_the_same_work(client, police_officer, run_tasks):
    known = ask(client, police_officer.email, "198.51.100.20")
    unknown = ask(client, "nobody@example.org", "198.51.100.21")
    assert EMAIL_TEMPLATES <= {template.name for template in known.templates}
    assert EMAIL_TEMPLATES <= {template.name for template in unknown.templates}
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    run_tasks()
    assert [message.to for message in mail.outbox] == [[police_officer.email]]


def test_the_reset_page_takes_the_same_time_for_a_known_and_an_unknown_address(
    client, police_officer
):
    import statistics
    import time

    def timed(email: str, number: int) -> float:
        started = time.perf_counter()
        ask(client, email, f"198.51.100.{number}")
        return time.perf_counter() - started

    timed(police_officer.email, 250), timed("nobody@example.org", 251)  # warm up
    known, unknown = [], []
    for number in range(40):
        # Taken in turns, in alternating order, so the machine's load weighs on both alike.
        pair = [("known", police_officer.email), ("unknown", "nobody@example.org")]
        for kind, email in pair if number % 2 else reversed(pair):
            (known if kind == "known" else unknown).append(timed(email, number))
    typical = statistics.median(known + unknown)
    difference = statistics.median(k - u for k, u in zip(known, unknown, strict=True))
    print(
        f"reset request: median {typical * 1000:.1f} ms, known minus unknown "
        f"{difference * 1000:+.2f} ms (median of 40 pairs)"
    )
    # Generous, for a shared machine: the work is the same, so the difference is within a few
    # per cent (the test that both render the same e-mail is the exact check).
    assert abs(difference) < 0.2 * typical
