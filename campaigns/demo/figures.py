"""Help-seeker figures: the seeds' published figures exactly as published, and monthly figures
around the demo's South West launch that are made up (marked illustrative) to give the charts
something to draw.

The South West 2017 table goes in through a real import, so the imports page has one to show.
"""

import hashlib
from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from campaigns.demo.people import CHARITY, Cast
from campaigns.impact.periods import add_months
from campaigns.models import Campaign, Channel, HelpSeekerFigure
from campaigns.services import figures as imports

CHANNELS = [
    ("website", "Website", 1, "People using the Stop it Now! Get Help self-help website"),
    ("helpline", "Helpline", 2, "People calling the confidential Stop it Now! helpline"),
    ("combined", "Website and helpline (not split)", 3, "Contacts through either, not split"),
]

# The first seed's table: people seeking help in 2017, by area and channel.
SOUTH_WEST_2017 = [
    ("Avon and Somerset", 818, 77),
    ("Devon and Cornwall", 512, 52),
    ("Wiltshire", 157, 38),
    ("Dorset", 285, 29),
    ("Gloucestershire", 262, 28),
    ("South West England (area not given)", 0, 43),
]
SOUTH_WEST_NOTE = "As published in the South West press release (first seed)"
SCOTLAND_NOTE = "As published: the three months before and after the June 2017 launch"
ILLUSTRATIVE_NOTE = "Illustrative: made up for the demo, not real figures"


def south_west_csv() -> bytes:
    lines = ["area,channel,period,count,note"]
    for area, website, helpline in SOUTH_WEST_2017:
        lines.append(f"{area},Website,2017,{website},{SOUTH_WEST_NOTE}")
        lines.append(f"{area},Helpline,2017,{helpline},{SOUTH_WEST_NOTE}")
    return ("\n".join(lines) + "\n").encode()


def _wobble(*parts) -> float:
    """A repeatable number between 0 and 1, so the made-up figures are the same every load."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return digest[0] / 255


def load(summary, cast: Cast, campaigns: dict[str, Campaign]) -> None:
    channels = {}
    for slug, name, position, description in CHANNELS:
        channels[slug], created = Channel.objects.get_or_create(
            slug=slug, defaults={"name": name, "position": position, "description": description}
        )
        summary.add("channels", created)

    south_west = cast.regions["south-west-england"]
    published = HelpSeekerFigure.objects.filter(region=south_west, period_start=date(2017, 1, 1))
    summary.add("figure imports", not published.exists())
    if not published.exists():
        upload = SimpleUploadedFile("south-west-2017.csv", south_west_csv())
        preview = imports.preview_file(upload)
        if not preview.ok:
            raise RuntimeError(f"The demo's own figures failed to import: {preview.errors}")
        kept = imports.keep_for_commit(
            upload,
            preview,
            organisation=cast.organisations[CHARITY],
            actor=cast.users["charity.admin@demo.example"],
        )
        imports.commit_import(kept, actor=cast.users["charity.admin@demo.example"])

    scotland_area = cast.force_areas["scotland"]
    for start, end, count in [
        (date(2017, 3, 1), date(2017, 5, 31), 586),
        (date(2017, 6, 1), date(2017, 8, 31), 1_008),
    ]:
        _, created = HelpSeekerFigure.objects.get_or_create(
            force_area=scotland_area,
            channel=channels["combined"],
            period_start=start,
            period_end=end,
            defaults={"region": scotland_area.region, "count": count, "note": SCOTLAND_NOTE},
        )
        summary.add("help-seeker figures", created)

    _illustrative_months(
        summary,
        cast,
        campaigns["south-west-england-regional-campaign"],
        channels,
        winter=campaigns.get("south-west-winter-campaign"),
    )


def _illustrative_months(
    summary, cast: Cast, campaign: Campaign, channels, *, winter: Campaign | None = None
) -> None:
    """Monthly website and helpline figures from fifteen months before the launch (or before the
    winter campaign's, if earlier) to the last whole month after it, with more people seeking
    help after launch, and in the winter campaign's partners' areas for its three months."""
    region = cast.regions["south-west-england"]
    if HelpSeekerFigure.objects.filter(region=region, is_illustrative=True).exists():
        summary.add("help-seeker figures", False)
        return
    launch = campaign.launch_date
    first = add_months(launch, -15)
    winter_areas: set[str] = set()
    winter_months: dict[date, float] = {}
    if winter is not None:
        winter_start = winter.launch_date.replace(day=1)
        first = min(first, add_months(winter_start, -15))
        winter_areas = {
            partner.organisation.force_area.name
            for partner in winter.partners.select_related("organisation__force_area")
        }
        # The launch month, part-way, then the three months after it.
        winter_months = {winter_start: 1.15}
        for step in (1, 2, 3):
            winter_months[add_months(winter_start, step)] = 1.35
    last_whole = timezone.localdate().replace(day=1) - timedelta(days=1)
    base = {name: (website / 12, helpline / 12) for name, website, helpline in SOUTH_WEST_2017}
    figures = []
    month = first
    while add_months(month, 1) - timedelta(days=1) <= last_whole:
        end = add_months(month, 1) - timedelta(days=1)
        uplift = 1.55 if month >= launch else 1.0
        for area_name, (website, helpline) in base.items():
            boost = winter_months.get(month, 1.0) if area_name in winter_areas else 1.0
            area = None if "not given" in area_name else cast.force_areas[_slug(area_name)]
            for channel, monthly in (("website", website), ("helpline", helpline)):
                wobble = 0.8 + 0.4 * _wobble(area_name, channel, month)
                count = round(monthly * uplift * boost * wobble)
                figures.append(
                    HelpSeekerFigure(
                        region=region,
                        force_area=area,
                        channel=channels[channel],
                        period_start=month,
                        period_end=end,
                        count=count,
                        note=ILLUSTRATIVE_NOTE,
                        is_illustrative=True,
                    )
                )
        month = add_months(month, 1)
    HelpSeekerFigure.objects.bulk_create(figures)
    summary.created["help-seeker figures"] = summary.created.get("help-seeker figures", 0) + len(
        figures
    )


def _slug(name: str) -> str:
    return name.lower().replace(" ", "-")
