"""What the South West partners did for the campaign, so that the readiness view has a story.

Wiltshire Police has signed up but done nothing yet: the readiness view's "not started" row.
The enforcement figures are the second seed's, for Avon and Somerset.
"""

from datetime import date, datetime, time, timedelta

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from agencies.models import Membership, User
from campaigns.demo.campaign_setup import SOUTH_SOMERSET, SOUTH_WEST
from campaigns.demo.people import CHARITY, Cast
from campaigns.models import Activity, Campaign, EnforcementFigures, Material
from campaigns.services import activity as services

# People who do the work in the partners without a demo sign-in. They cannot sign in: their
# password is unusable. e-mail, name, organisation slug, role
PARTNER_PEOPLE = [
    ("comms@dorset.demo.example", "Priya Nair", "dorset-police", Membership.Role.LEAD),
    (
        "comms@gloucestershire.demo.example",
        "Tom Hale",
        "gloucestershire-constabulary",
        Membership.Role.LEAD,
    ),
    ("comms@wiltshire.demo.example", "Ellie Ward", "wiltshire-police", Membership.Role.LEAD),
    (
        "prevent@rocu.demo.example",
        "Dan Kerr",
        "south-west-regional-organised-crime-unit",
        Membership.Role.MEMBER,
    ),
    (
        "office@pcc.demo.example",
        "Ruth Amos",
        "avon-and-somerset-police-and-crime-commissioner",
        Membership.Role.MEMBER,
    ),
]


def _person(cast: Cast, summary, email: str, name: str, slug: str, role: str) -> User:
    user = User.objects.filter(email=email).first()
    summary.add("people", user is None)
    if user is None:
        user = User.objects.create(email=email, full_name=name, password=make_password(None))
    _, created = Membership.objects.get_or_create(
        user=user, organisation=cast.organisations[slug], defaults={"role": role}
    )
    summary.add("memberships", created)
    return user


def load(summary, cast: Cast, campaigns: dict[str, Campaign]) -> None:
    south_west = campaigns[SOUTH_WEST]
    launch = south_west.launch_date
    people = {
        slug: _person(cast, summary, email, name, slug, role)
        for email, name, slug, role in PARTNER_PEOPLE
    }
    people["avon-and-somerset-police"] = cast.users["police.comms@demo.example"]
    people[SOUTH_SOMERSET] = cast.users["council.officer@demo.example"]
    people["devon-and-cornwall-police"] = cast.users["devon.comms@demo.example"]
    people[CHARITY] = cast.users["charity.admin@demo.example"]

    def material(title_start: str) -> list[Material]:
        return list(Material.objects.filter(campaign=south_west, title__startswith=title_start))

    def log(slug: str, activity_type: str, started_on: date, *, materials=(), **fields) -> None:
        organisation = cast.organisations[slug]
        exists = Activity.objects.filter(
            campaign=south_west,
            organisation=organisation,
            activity_type=activity_type,
            started_on=started_on,
        ).exists()
        summary.add("activity records", not exists)
        if exists:
            return
        services.log_activity(
            Activity(
                campaign=south_west,
                organisation=organisation,
                activity_type=activity_type,
                started_on=started_on,
                force_area=organisation.force_area,
                **fields,
            ),
            actor=people[slug],
            materials=materials,
        )
        person = people[slug]
        if not person.has_usable_password():
            # People without a demo sign-in must have signed in to log this, on that day.
            User.objects.filter(pk=person.pk, last_login__isnull=True).update(
                last_login=timezone.make_aware(datetime.combine(started_on, time(9, 30)))
            )

    day = lambda offset: launch + timedelta(days=offset)  # noqa: E731 - reads as a timeline
    log(
        CHARITY,
        Activity.Type.SOCIAL_POST,
        day(0),
        channel="YouTube and Facebook",
        reach=19_000_000,
        reach_source=Activity.ReachSource.PLATFORM,
        notes="The Stop it Now! campaign films, viewed over 19 million times (first seed).",
    )
    log(
        "avon-and-somerset-police",
        Activity.Type.PRESS_RELEASE,
        day(0),
        channel="Local and regional media",
        materials=material("Regional press release"),
        notes="Issued with the force's enforcement figures.",
    )
    log(
        "avon-and-somerset-police",
        Activity.Type.SOCIAL_POST,
        day(0),
        channel="X",
        quantity=3,
        reach=48_200,
        reach_source=Activity.ReachSource.PLATFORM,
        engagement=1_120,
        link="https://x.com/ASPolice",
        materials=material("Suggested post"),
    )
    log(
        "avon-and-somerset-police",
        Activity.Type.MEDIA_COVERAGE,
        day(1),
        channel="BBC Points West",
        reach=350_000,
        reach_source=Activity.ReachSource.PUBLISHER,
    )
    log(
        "avon-and-somerset-police",
        Activity.Type.ENFORCEMENT,
        day(2),
        channel="Force website",
        notes="90 search warrants in the last 12 months, 85 offenders "
        "charged, 235 live cases, referrals up 100%.",
    )
    log(
        "devon-and-cornwall-police",
        Activity.Type.SOCIAL_POST,
        day(0),
        channel="Facebook",
        quantity=2,
        reach=31_500,
        reach_source=Activity.ReachSource.PLATFORM,
        engagement=640,
    )
    log(
        "devon-and-cornwall-police",
        Activity.Type.INTERVIEW,
        day(3),
        channel="BBC Radio Devon",
        reach=120_000,
        reach_source=Activity.ReachSource.PUBLISHER,
    )
    log(
        "dorset-police",
        Activity.Type.POSTERS,
        day(5),
        ended_on=day(60),
        channel="Police stations",
        quantity=20,
        place="Dorset police stations",
    )
    log(
        "gloucestershire-constabulary",
        Activity.Type.INTERNAL,
        day(-7),
        channel="Staff briefing",
        quantity=1,
        reach=2_400,
        reach_source=Activity.ReachSource.COUNTED,
        notes="Briefing for all officers and staff before launch.",
    )
    log(
        "gloucestershire-constabulary",
        Activity.Type.SOCIAL_POST,
        day(1),
        channel="X",
        reach=22_000,
        reach_source=Activity.ReachSource.PLATFORM,
    )
    log(
        SOUTH_SOMERSET,
        Activity.Type.POSTERS,
        day(14),
        ended_on=day(104),
        channel="Libraries",
        quantity=12,
        place="South Somerset libraries",
        materials=material("Poster: behind every"),
        notes="Posters displayed in 12 libraries.",
    )
    log(
        "south-west-regional-organised-crime-unit",
        Activity.Type.EVENT,
        day(10),
        channel="Regional briefing",
        quantity=45,
        place="Portishead",
        notes="Briefing for investigators from the five forces.",
    )
    log(
        "avon-and-somerset-police-and-crime-commissioner",
        Activity.Type.MEDIA_COVERAGE,
        day(1),
        channel="Western Daily Press",
        reach=15_000,
        reach_source=Activity.ReachSource.PUBLISHER,
        notes="The Commissioner's quote from the localised press release.",
    )

    avon = cast.organisations["avon-and-somerset-police"]
    exists = EnforcementFigures.objects.filter(campaign=south_west, organisation=avon).exists()
    summary.add("enforcement figures", not exists)
    if not exists:
        period_end = launch - timedelta(days=1)
        services.record_enforcement(
            EnforcementFigures(
                campaign=south_west,
                organisation=avon,
                period_start=period_end - timedelta(days=364),
                period_end=period_end,
                search_warrants=90,
                offenders_charged=85,
                live_cases=235,
                referrals_change_percent=100,
                notes="From the South Somerset press release: referrals from other organisations "
                "up 100% in recent years.",
            ),
            actor=people["avon-and-somerset-police"],
        )
