"""The South West campaign's toolkit, made through the same checks and workflow as real uploads.

The press releases are the two seeds; the poster and social media cards are drawn here with
Pillow from the campaign's message; the suggested posts and key messages are the seeds' words.
"""

import io
from datetime import datetime, time
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from campaigns.demo.campaign_setup import SOUTH_SOMERSET, SOUTH_WEST
from campaigns.demo.people import CHARITY, Cast
from campaigns.models import Campaign, Material, MaterialVersion
from campaigns.models.material import ALLOWED_FILE_TYPES, upload_limit_bytes
from campaigns.services import material as material_services
from campaigns.services.material import VersionContent
from lib import uploads

SEEDS = Path(__file__).parent / "seeds"
HELPLINE = "Stop it Now! 0808 1000 900"

SUGGESTED_POSTS = [
    (
        "Suggested post: behind every image is a child",
        "Behind every image is a child. Viewing or sharing sexual images of under-18s is illegal "
        "and harms the children in them, who are re-victimised each time an image is viewed. "
        "Confidential help to stop is available: Stop it Now! 0808 1000 900 #stopitnow",
    ),
    (
        "Suggested post: 2,301 people in the South West sought help",
        "In 2017, 2,301 people from the South West visited the Stop it Now! Get Help website or "
        "called its confidential helpline to stop viewing sexual images of children, or to help "
        "someone they love. Help is there: 0808 1000 900 #stopitnow",
    ),
    (
        "Suggested post: the consequences",
        "Offenders looking at indecent images of children risk arrest, imprisonment, family "
        "break-up and being put on the Sex Offenders Register. Get confidential help to stop now: "
        "Stop it Now! 0808 1000 900 #stopitnow",
    ),
]

ABOUT_THE_CHARITY = (
    "Named after its founder, Baroness Lucy Faithfull of Wolvercote, The Lucy Faithfull "
    "Foundation is the only UK-wide child protection charity dedicated solely to preventing "
    "child sexual abuse. It works with entire families affected by or concerned about abuse "
    "including: adult male and female sexual abusers; young people with inappropriate sexual "
    "behaviours; victims of abuse and other family members. It also runs the Stop it Now! "
    "Campaign and Helpline (0808 1000 900). www.lucyfaithfull.org.uk, www.stopitnow.org.uk and "
    "www.parentsprotect.co.uk\n\n"
    "Stop it Now! UK and Ireland is a national campaign, Freephone confidential Helpline and "
    "website run by child protection charity, The Lucy Faithfull Foundation. It aims to prevent "
    "child sexual abuse by increasing public awareness and empowering people to act responsibly "
    "to protect children. www.stopitnow.org.uk and www.get-help.stopitnow.org.uk"
)


def _draw_card(size: tuple[int, int], lines: list[tuple[str, int]], background: str) -> bytes:
    """A campaign image: the message in large type on a plain background."""
    image = Image.new("RGB", size, background)
    draw = ImageDraw.Draw(image)
    y = size[1] // 8
    for text, points in lines:
        font = ImageFont.load_default(size=points)
        width = draw.textlength(text, font=font)
        draw.text(((size[0] - width) / 2, y), text, font=font, fill="white")
        y += int(points * 1.6)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def poster_png() -> bytes:
    return _draw_card(
        (1240, 1754),
        [
            ("Behind every image", 96),
            ("is a child.", 96),
            ("", 40),
            ("Viewing sexual images of", 52),
            ("under-18s is illegal and harmful.", 52),
            ("", 40),
            ("Worried about your own", 52),
            ("online behaviour? Get confidential", 52),
            ("help to stop.", 52),
            ("", 60),
            (HELPLINE, 72),
            ("get-help.stopitnow.org.uk", 52),
        ],
        "#1d3557",
    )


def card_png(headline: str, background: str) -> bytes:
    return _draw_card(
        (1200, 675),
        [(headline, 64), ("", 30), ("Get confidential help to stop.", 44), (HELPLINE, 56)],
        background,
    )


def _checked(name: str, data: bytes, kind: str) -> uploads.CheckedUpload:
    return uploads.check_upload(
        SimpleUploadedFile(name, data),
        allowed=ALLOWED_FILE_TYPES[kind],
        max_bytes=upload_limit_bytes(kind),
        what=kind,
    )


def _at_launch(day) -> datetime:
    # Press releases conventionally lift at one minute past midnight on launch day.
    return timezone.make_aware(datetime.combine(day, time(0, 1)))


class ToolkitLoader:
    def __init__(self, summary, cast: Cast, campaign: Campaign):
        self.summary = summary
        self.cast = cast
        self.campaign = campaign
        self.charity = cast.organisations[CHARITY]
        self.admin = cast.users["charity.admin@demo.example"]

    def add(
        self, *, title: str, kind: str, owner=None, by=None, content: VersionContent, **details
    ):
        """Submit material unless the campaign already has it (so loading twice adds nothing)."""
        existing = Material.objects.filter(campaign=self.campaign, title=title).first()
        self.summary.add("material", existing is None)
        if existing is not None:
            return existing, False
        audience_organisations = details.pop("audience_organisations", [])
        version = material_services.submit_material(
            campaign=self.campaign,
            owner=owner or self.charity,
            actor=by or self.admin,
            material=Material(title=title, kind=kind, **details),
            tags=[],
            audience_organisations=audience_organisations,
            content=content,
            notify=False,
        )
        self.announced(version.material)
        return version.material, True

    def announced(self, material: Material) -> None:
        """The demo tells its own story: nobody is e-mailed about its material, now or later."""
        Material.objects.filter(pk=material.pk).update(release_notified_at=timezone.now())

    def approve_latest(self, material: Material) -> MaterialVersion:
        version = material.versions.get(status=MaterialVersion.Status.IN_REVIEW)
        version.approve(by=self.admin)
        return version

    def download(self, material: Material, email: str, organisation_slug: str) -> None:
        material_services.record_downloads(
            [material.versions.get(status=MaterialVersion.Status.APPROVED)],
            user=self.cast.users[email],
            organisation=self.cast.organisations[organisation_slug],
            embargo_acknowledged=material.is_under_embargo(),
        )


def load(summary, cast: Cast, campaigns: dict[str, Campaign]) -> None:
    south_west = campaigns[SOUTH_WEST]
    loader = ToolkitLoader(summary, cast, south_west)
    organisations = cast.organisations
    launch = _at_launch(south_west.launch_date)

    release, created = loader.add(
        title="Regional press release: police forces join the charity's campaign",
        kind=Material.Kind.PRESS_RELEASE,
        description="The South West regional press release. Add a local quote and your local "
        "figures, or use the localised versions partners have shared.",
        usage_notes="Issue on launch day. Local figures: ask the charity for your force area's.",
        embargo_until=launch,
        content=VersionContent(text=(SEEDS / "south_west_regional_press_release.txt").read_text()),
    )
    if created:
        loader.approve_latest(release)
        loader.download(release, "police.comms@demo.example", "avon-and-somerset-police")
        loader.download(release, "devon.comms@demo.example", "devon-and-cornwall-police")

    poster, created = loader.add(
        title="Poster: behind every image is a child",
        kind=Material.Kind.POSTER,
        description="The campaign poster with the Stop it Now! helpline number.",
        usage_notes="Print at A3 or A4. Leave space around the helpline number.",
        release_at=launch,
        content=VersionContent(
            upload=_checked("behind-every-image-poster.png", poster_png(), "poster"),
            alt_text="Campaign poster: 'Behind every image is a child. Viewing sexual images of "
            "under-18s is illegal and harmful. Worried about your own online behaviour? Get "
            "confidential help to stop.' Stop it Now! 0808 1000 900.",
        ),
    )
    if created:
        loader.approve_latest(poster)
        loader.download(poster, "council.officer@demo.example", SOUTH_SOMERSET)

    for title, headline, colour, audience in [
        ("Social media card: help is available", "Help is available", "#264653", "all_partners"),
        ("Social media card: police are acting", "Police are acting", "#3d405b", "police_forces"),
    ]:
        card, created = loader.add(
            title=title,
            kind=Material.Kind.SOCIAL_CARD,
            audience=audience,
            usage_notes="1200 × 675 pixels: fits X, Facebook and LinkedIn.",
            content=VersionContent(
                upload=_checked(
                    f"{headline.lower().replace(' ', '-')}.png",
                    card_png(headline, colour),
                    "social_card",
                ),
                alt_text=f"Campaign card: '{headline}. Get confidential help to stop.' {HELPLINE}.",
            ),
        )
        if created:
            loader.approve_latest(card)

    for title, text in SUGGESTED_POSTS:
        post, created = loader.add(
            title=title, kind=Material.Kind.SUGGESTED_POST, content=VersionContent(text=text)
        )
        if created:
            loader.approve_latest(post)

    messages, created = loader.add(
        title="Key messages: the campaign's five objectives",
        kind=Material.Kind.KEY_MESSAGES,
        description="What every partner's publicity should do.",
        content=VersionContent(text=south_west.objectives),
    )
    if created:
        loader.approve_latest(messages)

    notes, created = loader.add(
        title="Notes to editors: about The Lucy Faithfull Foundation and Stop it Now!",
        kind=Material.Kind.NOTES_TO_EDITORS,
        content=VersionContent(text=ABOUT_THE_CHARITY),
    )
    if created:
        loader.approve_latest(notes)

    branded, created = loader.add(
        title="Avon and Somerset Police branded poster",
        kind=Material.Kind.POSTER,
        owner=organisations["avon-and-somerset-police"],
        by=cast.users["police.comms@demo.example"],
        audience="named",
        audience_organisations=[organisations["avon-and-somerset-police"]],
        content=VersionContent(
            upload=_checked(
                "avon-somerset-poster.png",
                card_png("Avon and Somerset Police", "#0b3d91"),
                "poster",
            ),
            alt_text="Force-branded poster",
        ),
    )
    if created:
        branded.versions.get().request_changes(
            by=loader.admin,
            comment="Please use the full campaign message and the helpline number as on the "
            "regional poster, and describe the poster fully in the alt text.",
        )

    old_card, created = loader.add(
        title="Social media card: first strapline",
        kind=Material.Kind.SOCIAL_CARD,
        content=VersionContent(
            upload=_checked(
                "first-strapline.png", card_png("Stop. Think.", "#6d597a"), "social_card"
            ),
            alt_text="Campaign card: 'Stop. Think.' Stop it Now! 0808 1000 900.",
        ),
    )
    if created:
        loader.approve_latest(old_card)
        loader.download(old_card, "council.officer@demo.example", SOUTH_SOMERSET)
        old_card.refresh_from_db()
        material_services.withdraw(
            old_card,
            actor=loader.admin,
            reason="The strapline tested poorly with the public; use “Help is available” instead.",
            notify=False,
        )
