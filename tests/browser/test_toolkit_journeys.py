"""The toolkit journeys of the product brief, clicked and typed through a real Chromium.

Every page landed on is scanned with axe-core, and each outcome is checked twice: in the page the
person sees and in the database (rows, statuses, the bytes of what was downloaded).
"""

import re
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from playwright.sync_api import expect

from campaigns.models import Campaign, CampaignPartner, Download, Material, MaterialVersion
from tests.factories import PASSWORD, make_material, png_bytes

UK = ZoneInfo("Europe/London")
ADD_MATERIAL_URL = re.compile(r"/campaigns/[^/]+/toolkit/add/$")
MATERIAL_URL = re.compile(r"/material/\d+/$")

PRESS_RELEASE = (
    "Police and charity launch campaign to stop people viewing sexual images of children\n"
    "\n"
    "Anyone worried about their own online behaviour can get confidential help from the "
    "Stop it Now! helpline on 0808 1000 900."
)
SUGGESTED_POST = (
    "Worried about your own online behaviour, or someone else's? Confidential help is "
    "available from Stop it Now! on 0808 1000 900. #StopItNow"
)

# Notes the submission key of every upload the page's script sends, as the script sends it.
RECORD_SUBMISSION_KEYS = """
(() => {
  const send = XMLHttpRequest.prototype.send;
  window.sentSubmissionKeys = [];
  XMLHttpRequest.prototype.send = function (body) {
    if (body instanceof FormData) { window.sentSubmissionKeys.push(body.get("submission_key")); }
    return send.apply(this, arguments);
  };
})();
"""


# --- Helpers -------------------------------------------------------------------------------------
def png_file(tmp_path: Path, name: str, *, size=(600, 400), colour="navy", pad: int = 0) -> Path:
    """A real PNG written to disk for the file chooser; `pad` appends bytes to make it bigger."""
    path = tmp_path / name
    path.write_bytes(png_bytes(size, colour) + b"\0" * pad)
    return path


def uk_input(moment: datetime) -> str:
    """What a person types into a datetime-local input: UK wall-clock time."""
    return f"{moment.astimezone(UK):%Y-%m-%dT%H:%M}"


def uk_long(moment: datetime) -> str:
    """How the portal shows a time in badges: "00:01, Monday 8 June 2026"."""
    local = moment.astimezone(UK)
    return f"{local:%H:%M}, {local:%A} {local.day} {local:%B %Y}"


def sign_in(visit, user) -> None:
    visit.sign_in(user.email, PASSWORD)
    expect(visit.page.get_by_role("heading", level=1)).to_contain_text("Hello")


def click_and_scan(visit, locator) -> None:
    locator.click()
    visit.page.wait_for_load_state("load")
    visit.scan()


def open_toolkit_from_home(visit, campaign_name: str) -> None:
    page = visit.page
    if page.url != visit.base_url + "/":
        click_and_scan(visit, page.get_by_role("link", name="Home", exact=True))
    click_and_scan(visit, page.get_by_role("link", name=f"Toolkit of {campaign_name}"))
    expect(page.get_by_role("link", name="Toolkit", exact=True)).to_have_attribute(
        "aria-current", "page"
    )


def toolkit_card(page, title: str):
    return page.get_by_role("article", name=title)


def download(visit, locator) -> tuple[bytes, str]:
    """Click something that answers with a file; return the bytes and the suggested name."""
    with visit.page.expect_download() as info:
        locator.click()
    downloaded = info.value
    assert downloaded.failure() is None
    return Path(downloaded.path()).read_bytes(), downloaded.suggested_filename


def stored_bytes(field_file) -> bytes:
    with field_file.open("rb") as handle:
        return handle.read()


def upload_requests(page) -> list:
    """Every POST the page sends to "Add material", recorded as it happens."""
    sent = []
    page.on(
        "request",
        lambda request: (
            sent.append(request)
            if request.method == "POST" and ADD_MATERIAL_URL.search(request.url)
            else None
        ),
    )
    return sent


def lose_first_answer(page) -> None:
    """Let the first upload reach the portal, which saves it, then cut the connection before the
    answer reaches the page: the case the submission key exists for. (Playwright's own routing
    cannot do this for a file upload: the body it would send on is missing the file.)"""
    session = page.context.new_cdp_session(page)
    pattern = {"urlPattern": "*/toolkit/add/", "requestStage": "Response"}
    cut = []

    def paused(event):
        request_id = event["requestId"]
        if event["request"]["method"] == "POST" and not cut:
            cut.append(event)
            session.send(
                "Fetch.failRequest", {"requestId": request_id, "errorReason": "ConnectionReset"}
            )
        else:
            session.send("Fetch.continueRequest", {"requestId": request_id})

    session.on("Fetch.requestPaused", paused)
    session.send("Fetch.enable", {"patterns": [pattern]})


def with_preview(material: Material) -> Material:
    """The factory stores no thumbnail; the portal makes one for every image it is sent."""
    version = material.versions.get()
    version.preview.save("preview.png", ContentFile(png_bytes((240, 160), "teal")))
    return material


# --- Journey 1 -----------------------------------------------------------------------------------
def test_an_admin_publishes_a_poster_for_launch_day_and_an_embargoed_press_release(
    visit, charity, charity_admin, force_a, police_officer, region, tmp_path
):
    page = visit.page
    launch_day = timezone.localdate() + timedelta(days=7)
    poster_release = datetime.combine(launch_day, time(9, 0), tzinfo=UK)
    embargo_lifts = datetime.combine(launch_day, time(0, 1), tzinfo=UK)

    # The admin sets up the campaign from the home page.
    sign_in(visit, charity_admin)
    click_and_scan(visit, page.get_by_role("link", name="New campaign"))
    page.locator("#id_name").fill("Summer 2026 campaign")
    page.get_by_label("Region").select_option(label="South West England")
    page.get_by_label("Launch date").fill(f"{launch_day:%Y-%m-%d}")
    page.get_by_label("Summary").fill("Deterring people from viewing sexual images of children.")
    page.get_by_label("Objectives").fill(
        "More people call the helpline\nMore people visit the self-help website"
    )
    page.get_by_label("Posters").check()
    page.get_by_label("Social media").check()
    click_and_scan(visit, page.get_by_role("button", name="Create campaign"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Summer 2026 campaign")
    expect(page.get_by_role("status")).to_contain_text("has been created")
    campaign = Campaign.objects.get(name="Summer 2026 campaign")
    assert campaign.lead_organisation == charity
    assert campaign.launch_date == launch_day
    assert campaign.region == region
    assert campaign.objective_list == [
        "More people call the helpline",
        "More people visit the self-help website",
    ]
    assert set(campaign.publicity_channels) == {"posters", "social_media"}

    # ... adds the police force as a partner ...
    click_and_scan(visit, page.get_by_role("link", name="Add a partner"))
    page.get_by_label("Organisation").select_option(label=force_a.name)
    click_and_scan(visit, page.get_by_role("button", name="Add partner"))
    expect(page.get_by_role("status")).to_contain_text(f"{force_a.name} now takes part")
    partners = page.get_by_role("region", name="Partners")
    expect(partners).to_contain_text(force_a.name)
    assert list(
        CampaignPartner.objects.filter(campaign=campaign).values_list("organisation", flat=True)
    ) == [force_a.pk]

    # ... uploads the launch-day poster, sent by the page's script with a progress bar ...
    click_and_scan(visit, page.get_by_role("link", name="Toolkit", exact=True))
    click_and_scan(visit, page.get_by_role("link", name="Add material"))
    sent = upload_requests(page)
    page.get_by_label("Kind").select_option(label="Poster")
    page.locator("#id_title").fill("Launch poster")
    page.get_by_label("File").set_input_files(png_file(tmp_path, "launch-poster.png"))
    row = page.locator("[data-file-row]")
    expect(row).to_have_count(1)
    expect(row.get_by_role("progressbar", name="Upload of launch-poster.png")).to_be_visible()
    page.get_by_label("Alt text").fill("The campaign poster: a phone and the helpline number")
    page.get_by_label("Release time (UK time)").fill(uk_input(poster_release))
    visit.scan()
    page.get_by_role("button", name="Submit for review").click()
    page.wait_for_url(MATERIAL_URL)
    visit.scan()
    assert len(sent) == 1 and sent[0].headers["accept"] == "application/json"
    expect(page.get_by_role("heading", level=1)).to_have_text("Launch poster")
    poster = Material.objects.get(campaign=campaign, title="Launch poster")
    assert page.url.endswith(f"/material/{poster.pk}/")
    assert poster.kind == Material.Kind.POSTER
    assert poster.owner_organisation == charity
    assert poster.release_at == poster_release
    version = poster.versions.get()
    assert version.status == MaterialVersion.Status.IN_REVIEW
    assert version.alt_text == "The campaign poster: a phone and the helpline number"
    assert version.content_type == "image/png" and (version.width, version.height) == (600, 400)

    facts = page.get_by_role("region", name="Who it is for and when")
    # A release still to come reads as future: partners cannot see it yet.
    expect(facts.locator("dt:text-is('Release') + dd")).to_have_text(
        f"Released to partners at {uk_long(poster_release)}; partners cannot see this yet"
    )

    # ... and approves it.
    click_and_scan(visit, page.get_by_role("button", name="Approve version 1"))
    expect(page.get_by_role("status")).to_contain_text("Version 1 is approved.")
    version.refresh_from_db()
    assert version.status == MaterialVersion.Status.APPROVED
    assert version.decided_by == charity_admin

    # The press release goes in as text, embargoed until launch, and is approved too.
    click_and_scan(visit, page.get_by_role("link", name="Toolkit", exact=True))
    click_and_scan(visit, page.get_by_role("link", name="Add material"))
    page.get_by_label("Kind").select_option(label="Press release")
    page.locator("#id_title").fill("Launch press release")
    page.get_by_label("Text", exact=True).fill(PRESS_RELEASE)
    page.get_by_label("Embargoed until (UK time)").fill(uk_input(embargo_lifts))
    click_and_scan(visit, page.get_by_role("button", name="Submit for review"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Launch press release")
    press_release = Material.objects.get(campaign=campaign, title="Launch press release")
    assert press_release.kind == Material.Kind.PRESS_RELEASE
    assert press_release.embargo_until == embargo_lifts
    assert press_release.release_at is None
    click_and_scan(visit, page.get_by_role("button", name="Approve version 1"))
    expect(page.get_by_role("status")).to_contain_text("Version 1 is approved.")
    text_version = press_release.versions.get()
    assert text_version.status == MaterialVersion.Status.APPROVED
    assert not text_version.file
    assert text_version.text == PRESS_RELEASE
    visit.sign_out()

    # A police partner sees the press release, marked as embargoed, but not the poster yet.
    sign_in(visit, police_officer)
    open_toolkit_from_home(visit, campaign.name)
    card = toolkit_card(page, "Launch press release")
    expect(card).to_contain_text(f"EMBARGOED UNTIL {uk_long(embargo_lifts)}")
    expect(toolkit_card(page, "Launch poster")).to_have_count(0)
    expect(page.get_by_text("1 item.")).to_be_visible()

    # Downloading it means promising to respect the embargo first.
    click_and_scan(visit, card.get_by_role("link", name="Launch press release"))
    expect(page.get_by_role("note")).to_contain_text(
        f"Embargoed until 00:01 on {embargo_lifts:%A} {launch_day.day} {embargo_lifts:%B %Y} "
        "(UK time)."
    )
    click_and_scan(visit, page.get_by_role("link", name="Download", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Launch press release is under embargo"
    )
    assert not Download.objects.exists(), "nothing is recorded before the promise"
    page.get_by_label("I understand this material is under embargo").check()
    data, name = download(visit, page.get_by_role("button", name="Download"))
    assert data == text_version.text.encode("utf-8")
    assert data.decode("utf-8") == PRESS_RELEASE
    assert name == "Launch press release.txt"
    recorded = Download.objects.get()
    assert (recorded.material, recorded.version, recorded.user, recorded.organisation) == (
        press_release,
        text_version,
        police_officer,
        force_a,
    )
    assert recorded.embargo_acknowledged is True

    # Launch day comes: the poster is released and the partner can download it.
    Material.objects.filter(pk=poster.pk).update(release_at=timezone.now() - timedelta(minutes=1))
    visit.goto(f"/campaigns/{campaign.slug}/toolkit/")
    poster_card = toolkit_card(page, "Launch poster")
    expect(poster_card).to_be_visible()
    click_and_scan(visit, poster_card.get_by_role("link", name="Launch poster"))
    data, name = download(visit, page.get_by_role("link", name=re.compile(r"^Download \(")))
    version.refresh_from_db()
    assert data == stored_bytes(version.file)
    assert name == "launch-poster.png"
    poster_download = Download.objects.get(material=poster)
    assert (poster_download.user, poster_download.organisation, poster_download.version) == (
        police_officer,
        force_a,
        version,
    )
    assert poster_download.embargo_acknowledged is False


# --- Journey 2 -----------------------------------------------------------------------------------
def test_a_force_submits_its_own_poster_and_gets_it_approved_after_asking_for_changes(
    visit, campaign, charity_admin, police_officer, force_a, tmp_path
):
    page = visit.page
    title = "Avon and Somerset force poster"
    comment = "Please put the helpline number at the bottom, in larger type."

    # The force's communications officer submits a force-branded poster.
    sign_in(visit, police_officer)
    open_toolkit_from_home(visit, campaign.name)
    click_and_scan(visit, page.get_by_role("link", name="Submit your own material"))
    sent = upload_requests(page)
    page.get_by_label("Kind").select_option(label="Poster")
    page.locator("#id_title").fill(title)
    page.get_by_label("File").set_input_files(
        png_file(tmp_path, "force-poster-v1.png", colour="darkblue")
    )
    page.get_by_label("Alt text").fill("Avon and Somerset Police poster with the helpline number")
    page.get_by_role("button", name="Submit for review").click()
    page.wait_for_url(MATERIAL_URL)
    visit.scan()
    assert len(sent) == 1
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    material = Material.objects.get(title=title)
    assert material.owner_organisation == force_a
    assert material.audience == Material.Audience.NAMED_ORGANISATIONS
    assert list(material.audience_organisations.all()) == [force_a]
    first = material.versions.get()
    assert first.status == MaterialVersion.Status.IN_REVIEW
    assert first.uploaded_by == police_officer
    visit.sign_out()

    # The charity's admin finds it in the review queue and asks for changes.
    sign_in(visit, charity_admin)
    click_and_scan(visit, page.get_by_role("link", name="Review", exact=True))
    queue = page.get_by_role("table", name="Material waiting for review")
    expect(queue).to_contain_text(force_a.name)
    click_and_scan(visit, queue.get_by_role("link", name=title))
    expect(page.get_by_role("heading", name="Version 1 is waiting for your review")).to_be_visible()
    page.get_by_label("Comment").fill(comment)
    click_and_scan(visit, page.get_by_role("button", name="Ask for changes"))
    expect(page.get_by_role("status")).to_contain_text("Changes to version 1 have been requested.")
    first.refresh_from_db()
    assert first.status == MaterialVersion.Status.CHANGES_REQUESTED
    assert first.decision_comment == comment
    assert first.decided_by == charity_admin
    visit.sign_out()

    # The officer sees it needs their attention and uploads a new version.
    sign_in(visit, police_officer)
    attention = page.get_by_role("region", name="Needs your attention")
    expect(attention).to_contain_text(f"Changes requested: {title}")
    click_and_scan(visit, attention.get_by_role("link", name=title))
    expect(page.get_by_text("Changes requested", exact=True).first).to_be_visible()
    # The reviewer's comment is the first thing on the page, and the way on is beside it.
    banner = page.get_by_role("region", name="Changes requested to version 1")
    expect(banner).to_contain_text(comment)
    expect(page.get_by_role("region", name="Versions and decisions")).to_contain_text(comment)
    click_and_scan(visit, banner.get_by_role("link", name="Upload a new version"))
    expect(
        page.get_by_role("region", name="What the reviewer asked you to change")
    ).to_contain_text(comment)
    expect(page.get_by_label("Text", exact=True)).to_have_count(0)  # a poster is a file
    page.get_by_label("File").set_input_files(
        png_file(tmp_path, "force-poster-v2.png", size=(800, 600), colour="maroon")
    )
    expect(page.get_by_label("Alt text")).to_have_value(first.alt_text)
    change_note = "Moved the helpline number to the bottom, in larger type."
    page.get_by_label("What changed").fill(change_note)
    page.get_by_role("button", name="Submit for review").click()
    page.wait_for_url(MATERIAL_URL)
    visit.scan()
    assert page.url.endswith(f"/material/{material.pk}/")
    expect(page.get_by_role("status")).to_contain_text(
        "version 2 of “Avon and Somerset force poster” has been submitted"
    )
    expect(page.get_by_role("region", name="Version 2, waiting for review")).to_be_visible()
    second = material.versions.get(number=2)
    assert second.status == MaterialVersion.Status.IN_REVIEW
    assert (second.width, second.height) == (800, 600)
    assert second.change_note == change_note
    visit.sign_out()

    # The admin approves version 2.
    sign_in(visit, charity_admin)
    attention = page.get_by_role("region", name="Needs your attention")
    click_and_scan(visit, attention.get_by_role("link", name="1 version waiting for your review"))
    click_and_scan(visit, page.get_by_role("link", name=title))
    expect(page.get_by_role("region", name="Version 2 is waiting for your review")).to_contain_text(
        change_note
    )
    click_and_scan(visit, page.get_by_role("button", name="Approve version 2"))
    expect(page.get_by_role("status")).to_contain_text("Version 2 is approved.")
    visit.sign_out()

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == MaterialVersion.Status.CHANGES_REQUESTED
    assert first.decision_comment == comment
    assert second.status == MaterialVersion.Status.APPROVED
    assert second.decided_by == charity_admin

    # The officer can now download the approved poster: version 2.
    sign_in(visit, police_officer)
    expect(page.get_by_role("region", name="Needs your attention")).not_to_contain_text(
        "Changes requested"
    )
    open_toolkit_from_home(visit, campaign.name)
    click_and_scan(visit, toolkit_card(page, title).get_by_role("link", name=title))
    expect(page.get_by_role("heading", name="Version 2, approved")).to_be_visible()
    data, name = download(visit, page.get_by_role("link", name=re.compile(r"^Download \(")))
    assert data == stored_bytes(second.file)
    assert name == "force-poster-v2.png"
    recorded = Download.objects.get()
    assert (recorded.version, recorded.user, recorded.organisation) == (
        second,
        police_officer,
        force_a,
    )


# --- Journey 3 -----------------------------------------------------------------------------------
def test_a_council_officer_downloads_the_poster_and_copies_a_suggested_post(
    visit, campaign, charity_admin, council_officer, council_b
):
    page = visit.page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    # Scan the page as it rests, not halfway through Bootstrap's hover transition on a button.
    page.emulate_media(reduced_motion="reduce")
    poster = with_preview(
        make_material(
            campaign,
            title="Helpline poster",
            by=charity_admin,
            file_bytes=png_bytes((480, 320), "darkgreen"),
            filename="helpline-poster.png",
        )
    )
    make_material(
        campaign,
        kind=Material.Kind.SUGGESTED_POST,
        title="Launch day post",
        by=charity_admin,
        text=SUGGESTED_POST,
    )
    version = poster.versions.get()

    sign_in(visit, council_officer)
    open_toolkit_from_home(visit, campaign.name)
    card = toolkit_card(page, "Helpline poster")
    expect(card.get_by_role("img", name="A test image")).to_be_visible()
    click_and_scan(visit, card.get_by_role("link", name="Helpline poster"))

    # The preview is shown, and really loaded.
    preview = page.locator("img.material-preview")
    expect(preview).to_have_attribute("alt", version.alt_text)
    preview.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete", arg=preview.element_handle())
    assert preview.evaluate("img => img.naturalWidth") == 240

    data, name = download(visit, page.get_by_role("link", name=re.compile(r"^Download \(")))
    assert data == stored_bytes(version.file)
    assert name == "helpline-poster.png"
    recorded = Download.objects.get()
    assert (recorded.material, recorded.version, recorded.user, recorded.organisation) == (
        poster,
        version,
        council_officer,
        council_b,
    )
    assert recorded.embargo_acknowledged is False

    # A suggested post is copied with one click, and its length is shown against the platforms.
    click_and_scan(visit, page.get_by_role("link", name="Toolkit", exact=True))
    post_card = toolkit_card(page, "Launch day post")
    expect(post_card).to_contain_text(SUGGESTED_POST[:100])
    click_and_scan(visit, post_card.get_by_role("link", name="Launch day post"))
    expect(page.locator("pre.suggested-post")).to_have_text(SUGGESTED_POST)
    page.get_by_role("button", name="Copy the post").click()
    expect(page.get_by_text("Copied to your clipboard.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == SUGGESTED_POST
    length = len(SUGGESTED_POST)
    assert length <= 280, "the post fits every platform"
    expect(page.get_by_role("heading", name=f"Length: {length} characters")).to_be_visible()
    platforms = page.locator("main ul.list-inline")
    for platform, limit in [("X (Twitter)", 280), ("Bluesky", 300), ("Facebook", 63206)]:
        expect(platforms).to_contain_text(f"✓ fits {platform} ({limit})")
    expect(platforms).not_to_contain_text("too long")
    visit.scan()


def test_the_length_shown_for_a_suggested_post_typed_on_two_lines_is_the_length_copied(
    visit, campaign, charity_admin
):
    page = visit.page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.emulate_media(reduced_motion="reduce")
    post = "Worried about your own online behaviour?\nCall Stop it Now! on 0808 1000 900."
    sign_in(visit, charity_admin)
    open_toolkit_from_home(visit, campaign.name)
    click_and_scan(visit, page.get_by_role("link", name="Add material"))
    page.get_by_label("Kind").select_option(label="Suggested post")
    page.locator("#id_title").fill("Two-line post")
    page.get_by_label("Text", exact=True).fill(post)
    click_and_scan(visit, page.get_by_role("button", name="Submit for review"))
    click_and_scan(visit, page.get_by_role("button", name="Approve version 1"))

    page.get_by_role("button", name="Copy the post").click()
    expect(page.get_by_text("Copied to your clipboard.")).to_be_visible()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == post
    assert page.locator("h3", has_text="Length:").inner_text() == (
        f"Length: {len(copied)} characters"
    )
    assert MaterialVersion.objects.get(material__title="Two-line post").text == post


# --- Multi-file upload, a failure and a retry -----------------------------------------------------
@pytest.mark.parametrize(
    "lost",
    [
        pytest.param("request", id="the-request-never-reaches-the-portal"),
        pytest.param("answer", id="the-portal-saves-it-but-the-answer-is-lost"),
    ],
)
def test_a_failed_upload_of_one_of_two_files_is_retried_without_a_duplicate(
    visit, campaign, charity_admin, tmp_path, lost
):
    page = visit.page
    files = [
        png_file(tmp_path, "poster-bus-stop.png", colour="navy"),
        png_file(tmp_path, "poster-waiting-room.png", colour="purple"),
    ]
    sign_in(visit, charity_admin)
    open_toolkit_from_home(visit, campaign.name)
    page.add_init_script(RECORD_SUBMISSION_KEYS)
    click_and_scan(visit, page.get_by_role("link", name="Add material"))

    if lost == "request":
        # Cut the first upload off before it reaches the portal; let the others through.
        cut = []

        def first_upload_fails(route):
            if route.request.method == "POST" and not cut:
                cut.append(route.request)
                route.abort("connectionreset")
            else:
                route.continue_()

        page.route(ADD_MATERIAL_URL, first_upload_fails)
    else:
        lose_first_answer(page)
    sent = upload_requests(page)

    page.get_by_label("Kind").select_option(label="Poster")
    page.get_by_label("File").set_input_files(files)
    rows = page.locator("[data-file-row]")
    expect(rows).to_have_count(2)
    page.get_by_label("Title for poster-bus-stop.png").fill("Bus stop poster")
    page.get_by_label("Alt text for poster-bus-stop.png").fill("A bus stop with the poster")
    page.get_by_label("Title for poster-waiting-room.png").fill("Waiting room poster")
    page.get_by_label("Alt text for poster-waiting-room.png").fill("A GP waiting room poster")
    visit.scan()

    status = page.locator("[data-upload-status]")
    with visit.expecting_errors(r"Failed to load resource: net::ERR_CONNECTION_RESET"):
        page.get_by_role("button", name="Submit for review").click()
        expect(status).to_have_text("1 of 2 uploaded and waiting for review.")
    first, second = rows.nth(0), rows.nth(1)
    expect(first).to_contain_text("The upload failed: the connection was lost.")
    retry = first.get_by_role("button", name="Retry poster-bus-stop.png")
    expect(retry).to_be_visible()
    expect(second).to_contain_text("Uploaded.")
    expect(second.get_by_role("link", name="Open Waiting room poster")).to_be_visible()
    saved_before_retry = Material.objects.filter(title="Bus stop poster").exists()
    assert saved_before_retry is (lost == "answer")
    visit.scan()

    retry.click()
    expect(status).to_have_text("2 of 2 uploaded and waiting for review.")
    expect(first).to_contain_text("Uploaded.")
    expect(first.get_by_role("link", name="Open Bus stop poster")).to_be_visible()
    expect(first.get_by_role("progressbar")).to_have_attribute("value", "100")
    expect(retry).to_have_count(0)
    visit.scan()

    assert len(sent) == 3
    first_key, second_key, retry_key = page.evaluate("window.sentSubmissionKeys")
    assert retry_key == first_key, "a retry sends the same submission key"
    assert second_key != first_key
    assert sorted(Material.objects.values_list("title", flat=True)) == [
        "Bus stop poster",
        "Waiting room poster",
    ]
    for title, alt_text, filename in [
        ("Bus stop poster", "A bus stop with the poster", "poster-bus-stop.png"),
        ("Waiting room poster", "A GP waiting room poster", "poster-waiting-room.png"),
    ]:
        version = MaterialVersion.objects.get(material__title=title)
        assert version.material.kind == Material.Kind.POSTER
        assert version.material.campaign == campaign
        assert (version.number, version.status) == (1, MaterialVersion.Status.IN_REVIEW)
        assert version.alt_text == alt_text
        assert version.original_filename == filename
    assert (
        str(MaterialVersion.objects.get(material__title="Bus stop poster").submission_key)
        == first_key
    )
    assert str(
        MaterialVersion.objects.get(material__title="Waiting room poster").submission_key
    ) == (second_key)


# --- A file over the limit ------------------------------------------------------------------------
def test_a_file_over_the_limit_is_refused_in_the_page_before_any_upload(
    visit, campaign, charity_admin, settings, tmp_path
):
    settings.UPLOAD_MAX_MB = 1
    page = visit.page
    big = png_file(tmp_path, "huge-poster.png", pad=2 * 1024 * 1024)
    assert big.stat().st_size > 2 * 1024 * 1024
    sign_in(visit, charity_admin)
    open_toolkit_from_home(visit, campaign.name)
    click_and_scan(visit, page.get_by_role("link", name="Add material"))
    sent = upload_requests(page)

    page.get_by_label("Kind").select_option(label="Poster")
    page.locator("#id_title").fill("Huge poster")
    page.get_by_label("File").set_input_files(big)
    page.get_by_label("Alt text").fill("A poster far too big to upload")
    page.get_by_role("button", name="Submit for review").click()

    row = page.locator("[data-file-row]")
    expect(row.get_by_role("status")).to_have_text(
        "Not uploaded: huge-poster.png is 2.0 MB; the limit for this kind of material is 1.0 MB."
    )
    expect(row.get_by_role("button", name=re.compile("Retry"))).to_have_count(0)
    expect(row.get_by_role("progressbar")).to_have_attribute("value", "0")
    assert page.url.endswith(f"/campaigns/{campaign.slug}/toolkit/add/")
    visit.scan()
    assert sent == [], "nothing was sent"
    assert not Material.objects.exists()
    assert not MaterialVersion.objects.exists()


# --- Previews are kept by the browser ------------------------------------------------------------
def test_a_second_visit_to_the_toolkit_fetches_no_preview_again(
    visit, campaign, charity_admin, council_officer
):
    page = visit.page
    posters = [
        with_preview(make_material(campaign, title=f"Poster {number}", by=charity_admin))
        for number in range(3)
    ]
    fetched: list[str] = []
    page.on(
        "requestfinished",
        lambda request: fetched.append(request.url) if "/preview/" in request.url else None,
    )
    sign_in(visit, council_officer)
    open_toolkit_from_home(visit, campaign.name)
    images = page.locator("img.toolkit-thumb")
    expect(images).to_have_count(3)
    for image in images.all():
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
        )
    assert len(fetched) == 3

    # The server could no longer send them: every preview shown now comes from the browser.
    for poster in posters:
        version = poster.versions.get()
        version.preview.storage.delete(version.preview.name)
    open_toolkit_from_home(visit, campaign.name)
    expect(images).to_have_count(3)
    for image in images.all():
        page.wait_for_function("img => img.complete", arg=image.element_handle())
        assert image.evaluate("img => img.naturalWidth") == 240


def test_an_officer_reads_a_long_toolkit_page_by_page_and_new_material_keeps_its_mark(
    visit, campaign, charity_admin, council_officer
):
    from campaigns.models import CampaignVisit
    from campaigns.views.toolkit import TOOLKIT_PAGE_SIZE

    page = visit.page
    page.emulate_media(reduced_motion="reduce")
    titles = [f"Suggested post {number:02}" for number in range(TOOLKIT_PAGE_SIZE + 2)]
    for title in titles:
        make_material(
            campaign, kind=Material.Kind.SUGGESTED_POST, title=title, by=charity_admin, text="Words"
        )
    sign_in(visit, council_officer)
    open_toolkit_from_home(visit, campaign.name)
    # Seen a day ago; since then the last post was approved, on the second page.
    CampaignVisit.objects.update(last_seen_at=timezone.now() - timedelta(days=1))
    MaterialVersion.objects.exclude(material__title=titles[-1]).update(
        decided_at=timezone.now() - timedelta(days=2)
    )
    open_toolkit_from_home(visit, campaign.name)
    visit.scan()
    pages = page.get_by_role("navigation", name="Pages of the toolkit")
    expect(pages).to_contain_text(f"1 to {TOOLKIT_PAGE_SIZE} of {len(titles)}")
    expect(page.locator("article")).to_have_count(TOOLKIT_PAGE_SIZE)
    expect(page.get_by_text("New since your last visit")).to_have_count(0)

    click_and_scan(visit, pages.get_by_role("link", name="Next"))
    expect(page.locator("article")).to_have_count(2)
    expect(toolkit_card(page, titles[-1])).to_contain_text("New since your last visit")
    click_and_scan(
        visit,
        page.get_by_role("navigation", name="Pages of the toolkit").get_by_role(
            "link", name="Previous"
        ),
    )
    expect(toolkit_card(page, titles[0])).to_be_visible()
    # The second page was seen: its post is no longer new.
    click_and_scan(
        visit,
        page.get_by_role("navigation", name="Pages of the toolkit").get_by_role(
            "link", name="Last"
        ),
    )
    expect(page.get_by_text("New since your last visit")).to_have_count(0)
