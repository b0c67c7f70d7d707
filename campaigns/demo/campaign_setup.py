"""The two campaigns the seeds describe: South West England, and the earlier one in Scotland."""

from dataclasses import dataclass
from datetime import date, timedelta

from campaigns.demo.people import CHARITY, Cast
from campaigns.models import Campaign, CampaignPartner

SOUTH_WEST = "south-west-england-regional-campaign"
SCOTLAND = "scotland-campaign-2017"
WINTER = "south-west-winter-campaign"
# The winter campaign launches on the 2nd, part-way through a month; Avon and Somerset a week
# later: the cases the impact page must explain in a sentence or two.
WINTER_PARTNERS = ["devon-and-cornwall-police", "dorset-police", "avon-and-somerset-police"]
WINTER_LATER = "avon-and-somerset-police"
SOUTH_SOMERSET = "south-somerset-district-council"

# The five bullets of the first seed, word for word.
SOUTH_WEST_OBJECTIVES = """\
raise public awareness of the growing problem of people viewing and sharing sexually explicit \
images of under 18s online
educate those offending about the harm caused to children in the images who are re-victimised \
each time their image is viewed online
highlight the increase in police activity across the South West to tackle the issue
drive home the consequences of their behaviour to offenders – including arrest, possible \
imprisonment, break up of family and being put on the Sex Offenders Register
make people aware that there is help available to stop such behaviour"""

SOUTH_WEST_PARTNERS = [
    "avon-and-somerset-police",
    "devon-and-cornwall-police",
    "wiltshire-police",
    "dorset-police",
    "gloucestershire-constabulary",
    SOUTH_SOMERSET,
    "south-west-regional-organised-crime-unit",
    "avon-and-somerset-police-and-crime-commissioner",
]

WEBSITES = "https://www.stopitnow.org.uk\nhttps://www.get-help.stopitnow.org.uk"


@dataclass
class DemoDates:
    """Dates around the day the demo is first loaded, so that it always has something to show.

    The South West campaign launched on the first of the month four months earlier (so that three
    whole months of figures follow it); South Somerset joins a week after loading, so its local
    press release is still under embargo.
    """

    south_west_launch: date
    south_somerset_launch: date
    winter_launch: date = date(2025, 12, 2)

    @classmethod
    def around(cls, today: date) -> "DemoDates":
        months = today.year * 12 + today.month - 1 - 4
        # The most recent 2 December with four months behind it, so three whole months of
        # figures follow the launch month.
        winter = date(today.year - 1, 12, 2)
        if (today.year * 12 + today.month) - (winter.year * 12 + 12) < 4:
            winter = date(today.year - 2, 12, 2)
        return cls(date(months // 12, months % 12 + 1, 1), today + timedelta(days=7), winter)


def load(summary, cast: Cast, *, today: date) -> dict[str, Campaign]:
    dates = DemoDates.around(today)
    charity = cast.organisations[CHARITY]
    admin = cast.users["charity.admin@demo.example"]

    south_west, created = Campaign.objects.get_or_create(
        slug=SOUTH_WEST,
        defaults={
            "name": "South West England regional campaign",
            "lead_organisation": charity,
            "region": cast.regions["south-west-england"],
            "summary": (
                "Police forces from Avon and Somerset, Devon and Cornwall, Wiltshire, Dorset and "
                "Gloucestershire join The Lucy Faithfull Foundation to tackle growing demand for "
                "sexual images of children online, and to steer people to the Stop it Now! "
                "helpline and self-help website. (Demo dates are illustrative.)"
            ),
            "objectives": SOUTH_WEST_OBJECTIVES,
            "publicity_channels": list(Campaign.PublicityChannel.values),
            "launch_date": dates.south_west_launch,
            "end_date": date(dates.south_west_launch.year + 1, dates.south_west_launch.month, 1)
            - timedelta(days=1),
            "helpline_name": "Stop it Now! helpline",
            "helpline_number": "0808 1000 900",
            "websites": WEBSITES,
            "created_by": admin,
        },
    )
    summary.add("campaigns", created)
    for slug in SOUTH_WEST_PARTNERS:
        launch = dates.south_somerset_launch if slug == SOUTH_SOMERSET else None
        _, created = CampaignPartner.objects.get_or_create(
            campaign=south_west,
            organisation=cast.organisations[slug],
            defaults={"launch_date": launch, "added_by": admin},
        )
        summary.add("campaign partners", created)

    scotland, created = Campaign.objects.get_or_create(
        slug=SCOTLAND,
        defaults={
            "name": "Scotland campaign with Police Scotland (2017)",
            "lead_organisation": charity,
            "region": cast.regions["scotland"],
            "summary": (
                "The earlier campaign run with Police Scotland, launched in June 2017, which led "
                "to a 72% increase in people seeking help. The seeds give the month, not the "
                "day: 1 June 2017 is used."
            ),
            "publicity_channels": list(Campaign.PublicityChannel.values),
            "launch_date": date(2017, 6, 1),
            "helpline_name": "Stop it Now! helpline",
            "helpline_number": "0808 1000 900",
            "websites": WEBSITES,
            "created_by": admin,
        },
    )
    summary.add("campaigns", created)
    _, created = CampaignPartner.objects.get_or_create(
        campaign=scotland,
        organisation=cast.organisations["police-scotland"],
        defaults={"added_by": admin},
    )
    summary.add("campaign partners", created)
    winter, created = Campaign.objects.get_or_create(
        slug=WINTER,
        defaults={
            "name": "South West winter campaign",
            "lead_organisation": charity,
            "region": cast.regions["south-west-england"],
            "summary": (
                "A winter push with three of the South West's forces, launched on 2 December; "
                "Avon and Somerset Police joined a week later. Wiltshire and Gloucestershire did "
                "not take part, so their figures show what happened without the campaign. "
                "(Demo dates and figures are illustrative.)"
            ),
            "publicity_channels": list(Campaign.PublicityChannel.values),
            "launch_date": dates.winter_launch,
            "end_date": date(dates.winter_launch.year + 1, 3, 31),
            "helpline_name": "Stop it Now! helpline",
            "helpline_number": "0808 1000 900",
            "websites": WEBSITES,
            "created_by": admin,
        },
    )
    summary.add("campaigns", created)
    for slug in WINTER_PARTNERS:
        launch = winter.launch_date + timedelta(days=7) if slug == WINTER_LATER else None
        _, created = CampaignPartner.objects.get_or_create(
            campaign=winter,
            organisation=cast.organisations[slug],
            defaults={"launch_date": launch, "added_by": admin},
        )
        summary.add("campaign partners", created)
    return {SOUTH_WEST: south_west, SCOTLAND: scotland, WINTER: winter}
