"""Campaign material (materials), its versions, and the review workflow that approves them."""

import hashlib
import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connections, models, transaction
from django.db.models import (
    Case,
    Exists,
    F,
    FilteredRelation,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Greatest, Lower
from django.urls import reverse
from django.utils import formats, timezone

from agencies.models import Organisation
from audit.models import AuditEntry
from audit.services import record
from campaigns.models.campaigns import (
    Campaign,
    CampaignPartner,
    campaign_ids_led_by,
    campaign_ids_of,
    campaigns_of,
)
from lib import uploads
from lib.precompiled import PrecompiledExpression, PrecompiledSubquery


class WorkflowError(Exception):
    """An illegal move in the review workflow; the message says why, in the person's words."""


class _DecisionLost(Exception):
    """Another decision on the same version got there first; the transaction is rolled back."""


def material_path(version: "MaterialVersion", filename: str) -> str:
    # Unguessable names: nothing about the file can be learned or reached from its path.
    suffix = PurePosixPath(filename).suffix.lower()[:10]
    return f"material/{version.material.campaign_id}/{uuid.uuid4().hex}{suffix}"


def preview_path(version: "MaterialVersion", filename: str) -> str:
    return f"previews/{version.material.campaign_id}/{uuid.uuid4().hex}.png"


class Tag(models.Model):
    """A free label on campaign material, such as "launch day" or "A3"."""

    name = models.CharField(max_length=40)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="%(app_label)s_%(class)s_unique_name",
                violation_error_message="This tag already exists.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


# What each kind of material may be made of. Text counts where people read and copy the words.
ALLOWED_FILE_TYPES = {
    "poster": {uploads.PDF, uploads.PNG, uploads.JPEG, uploads.WEBP},
    "social_card": uploads.IMAGE_TYPES,
    "suggested_post": uploads.IMAGE_TYPES,
    "press_release": {uploads.PDF, uploads.DOCX, uploads.TEXT},
    "film": {uploads.MP4},
    "key_messages": {uploads.PDF, uploads.DOCX, uploads.PPTX, uploads.TEXT},
    "notes_to_editors": {uploads.PDF, uploads.DOCX, uploads.TEXT},
    "brand_file": {uploads.PNG, uploads.JPEG, uploads.WEBP, uploads.PDF},
}
TEXT_KINDS = {"suggested_post", "press_release", "key_messages", "notes_to_editors"}

# Published post-length limits, in characters. Platforms count some things (links, emoji)
# differently, so the page shows these as a guide.
PLATFORM_LIMITS = [
    ("X (Twitter)", 280),
    ("Bluesky", 300),
    ("Threads", 500),
    ("Instagram", 2_200),
    ("LinkedIn", 3_000),
    ("Facebook", 63_206),
]


def upload_limit_bytes(kind: str) -> int:
    megabytes = settings.UPLOAD_MAX_FILM_MB if kind == "film" else settings.UPLOAD_MAX_MB
    return megabytes * 1024 * 1024


def _takes_part(organisation_ids: list[int]) -> Q:
    """The material's campaign has one of these organisations among its partners."""
    return Q(
        Exists(
            CampaignPartner.objects.filter(
                campaign=OuterRef("campaign"), organisation_id__in=organisation_ids
            )
        )
    )


class MaterialKind(models.TextChoices):
    """Material.Kind: the kinds of material, in the order the toolkit shows them."""

    POSTER = "poster", "Poster"
    SOCIAL_CARD = "social_card", "Social media card"
    SUGGESTED_POST = "suggested_post", "Suggested post"
    PRESS_RELEASE = "press_release", "Press release"
    FILM = "film", "Film"
    KEY_MESSAGES = "key_messages", "Key messages or briefing"
    NOTES_TO_EDITORS = "notes_to_editors", "Notes to editors"
    BRAND_FILE = "brand_file", "Logo or brand file"


def kind_position() -> Case:
    """Where a piece's kind comes in the toolkit (MaterialKind's order). The toolkit orders by
    it and the material's index holds it: the two must be this one expression, or the database
    cannot read a page of a campaign's material from the index in order."""
    kinds = MaterialKind.values
    return Case(
        *(When(kind=kind, then=Value(number)) for number, kind in enumerate(kinds)),
        default=Value(len(kinds)),
        output_field=models.IntegerField(),
    )


def became_new_at(approved_at, release_at) -> Greatest:
    """When a piece became new to those who may see it, from expressions of when it was
    approved and when it is released (if it waited): the later of the two. The toolkit's marks
    and the home page's count are both this."""
    return Greatest(approved_at, Coalesce(release_at, approved_at))


class MaterialQuerySet(models.QuerySet):
    def visible_to(self, user, *, now=None, unusable: bool = False) -> "MaterialQuerySet":
        """The material this person may see. The one place that decides, for every page.

        Campaign admins see everything in the campaigns they run. An organisation sees its own
        material in any state. Everyone else in the campaign sees only material that is approved,
        not withdrawn, released, not expired, and meant for their organisation.

        With unusable=True, also the approved material meant for them that they cannot use now
        (withdrawn, expired, not released yet): the pages a link leads to say why, rather than
        answer as for missing material. Drafts and material meant for others are never included.

        The rule is `_visible`; its SQL is built once per shape (lib.precompiled): building it
        cost more than the database takes to answer it, on every page that lists material.
        """
        if not user.is_authenticated:
            return self.none()
        organisation_ids = user.organisation_ids
        if not organisation_ids:
            return self.none()
        # Material for police forces reaches the person through those of their organisations
        # that are police forces, and likewise for councils; the kinds came with their
        # memberships, so a kind none of them is adds nothing.
        of_kind = {Organisation.Kind.POLICE_FORCE: set(), Organisation.Kind.COUNCIL: set()}
        for membership in user.active_memberships:
            of_kind.get(membership.organisation.kind, set()).add(membership.organisation_id)
        return self.filter(
            _VISIBLE.expression(
                None if unusable else (now or timezone.now()),
                organisation_ids,
                user.admin_organisation_ids,
                of_kind[Organisation.Kind.POLICE_FORCE],
                of_kind[Organisation.Kind.COUNCIL],
            )
        )

    def search(self, terms: str) -> "MaterialQuerySet":
        """Material matching what a person typed, in its title, description, tags and words
        (the approved version's, else the latest). On PostgreSQL a full-text search in English,
        so that "posters" finds a poster and "policing" police material, annotated with
        `search_rank` (best first); elsewhere a plain substring match ranked equally."""
        terms = terms.strip()
        if not terms:
            return self
        versions = MaterialVersion.objects.filter(material=OuterRef("pk"))
        words = Coalesce(
            Subquery(versions.filter(status=MaterialVersion.Status.APPROVED).values("text")[:1]),
            Subquery(versions.order_by("-number").values("text")[:1]),
            Value(""),
            output_field=models.TextField(),
        )
        if connections[self.db].vendor != "postgresql":
            tagged = Tag.objects.filter(materials=OuterRef("pk"), name__icontains=terms)
            return (
                self.annotate(search_words=words)
                .filter(
                    Q(title__icontains=terms)
                    | Q(description__icontains=terms)
                    | Q(search_words__icontains=terms)
                    | Q(Exists(tagged))
                )
                .annotate(search_rank=Value(1.0, output_field=models.FloatField()))
            )
        tag_names = Coalesce(
            Subquery(
                Tag.objects.filter(materials=OuterRef("pk"))
                .values("materials")
                .annotate(names=StringAgg("name", " "))
                .values("names")[:1]
            ),
            Value(""),
            output_field=models.TextField(),
        )
        vector = (
            SearchVector("title", weight="A", config="english")
            + SearchVector(tag_names, weight="A", config="english")
            + SearchVector("description", weight="B", config="english")
            + SearchVector(words, weight="C", config="english")
        )
        query = SearchQuery(terms, config="english", search_type="websearch")
        return (
            self.annotate(search_vector=vector)
            .filter(search_vector=query)
            # As double precision: a page of results starts after the last one's rank, given
            # back in its address, and a real (as ts_rank gives) read into Python and back is
            # not the same number.
            .annotate(search_rank=Cast(SearchRank(F("search_vector"), query), models.FloatField()))
        )

    def for_toolkit(self) -> "MaterialQuerySet":
        """What the toolkit's list shows of each piece of material, in a fixed number of
        queries: its owner and its versions, and `kind_position`, where its kind comes in the
        toolkit (Material.Kind's order). Its tags, audience and uploaders are for its own page
        (with_versions)."""
        return (
            self.annotate(kind_position=kind_position())
            .select_related("owner_organisation")
            .prefetch_related(
                Prefetch(
                    "versions",
                    queryset=MaterialVersion.objects.order_by("-number"),
                    to_attr="version_list",
                )
            )
        )

    def new_since(self, moment) -> "MaterialQuerySet":
        """Material approved, or released, after the moment (None: ever), annotated with when
        it became new (`new_at`): Material.is_new_since in SQL, with also what will be released
        later."""
        # Joined, not asked per piece: a value asked of a subquery is asked again wherever it
        # is used, four times for each of a national campaign's pieces. A piece has at most one
        # approved version (campaigns_materialversion_one_approved), so the join adds no rows.
        approved_at = F("approved_version__decided_at")
        approved = (
            self.filter(withdrawn_at__isnull=True)
            .annotate(
                approved_version=FilteredRelation(
                    "versions", condition=Q(versions__status=MaterialVersion.Status.APPROVED)
                )
            )
            .filter(approved_version__decided_at__isnull=False)
            .annotate(new_at=became_new_at(approved_at, F("release_at")))
        )
        return approved if moment is None else approved.filter(new_at__gt=moment)

    def with_versions(self) -> "MaterialQuerySet":
        """Everything a list or page of material shows, in a fixed number of queries: with
        whether it is a template (`material.template`) or was made from one
        (`material.localised`), and who uploaded and decided on each version. Not the named
        organisations of its audience (`audience_organisations`): only material for named
        organisations has any, and its page asks for them."""
        return self.select_related(
            "campaign", "owner_organisation", "template", "localised"
        ).prefetch_related(
            "tags",
            Prefetch(
                "versions",
                queryset=MaterialVersion.objects.select_related(
                    "uploaded_by", "decided_by"
                ).order_by("-number"),
                to_attr="version_list",
            ),
        )


def _within_reach(organisation_ids: list[int]):
    """The ids of the material in reach of a person of these organisations as a partner (see
    _visible)."""
    named_only = Material.Audience.NAMED_ORGANISATIONS
    material = Material.objects.order_by().values("pk")
    return material.filter(owner_organisation_id__in=organisation_ids).union(
        material.filter(
            campaign_id__in=campaign_ids_of(organisation_ids),
            audience__in=[kind for kind in Material.Audience if kind != named_only],
        ),
        Material.audience_organisations.through.objects.filter(organisation_id__in=organisation_ids)
        .order_by()
        .values("material_id"),
        all=True,
    )


_WITHIN_REACH = PrecompiledSubquery(_within_reach)


def _visible(
    database: str,
    now,
    organisation_ids: list[int],
    admin_organisation_ids: list[int],
    police_force_ids: list[int],
    council_ids: list[int],
) -> Q:
    """Which material a person of these organisations may see (MaterialQuerySet.visible_to);
    `now` None: whether it can be used now or not (visible_to's unusable)."""
    audience = Q(audience=Material.Audience.ALL_PARTNERS)
    for meant_for, of_kind in (
        (Material.Audience.POLICE_FORCES, police_force_ids),
        (Material.Audience.COUNCILS, council_ids),
    ):
        if of_kind:
            audience |= Q(audience=meant_for) & _takes_part(of_kind)
    named = Material.audience_organisations.through.objects.filter(
        material_id=OuterRef("pk"), organisation_id__in=organisation_ids
    )
    audience |= Q(audience=Material.Audience.NAMED_ORGANISATIONS) & Q(Exists(named))
    approved = MaterialVersion.objects.filter(
        material=OuterRef("pk"), status=MaterialVersion.Status.APPROVED
    )
    shared = Q(Exists(approved)) & audience
    if now is not None:
        shared &= (
            Q(withdrawn_at__isnull=True)
            & (Q(release_at__isnull=True) | Q(release_at__lte=now))
            & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        )
    # Being in the campaign is asked once, for both what they own and what is shared with them.
    in_campaign = Q(campaign_id__in=campaigns_of(database, organisation_ids))
    # Where the material they may see as a partner can be, each part read from an index: what
    # their organisations own, what is meant for every partner or a kind of partner, what names
    # one of their organisations. It decides nothing on its own; it spares the database testing
    # the rest on material meant for other partners, which grows with the campaign rather than
    # with what they see.
    within = Q(pk__in=_WITHIN_REACH.expression(database, organisation_ids))
    visible = within & in_campaign & (Q(owner_organisation_id__in=organisation_ids) | shared)
    if admin_organisation_ids:
        # All of the campaigns they run, asked first: one look-up in those campaigns answers for
        # all of their material, where the rest asks a subquery of each piece (the databases
        # keep an OR's order; with it last, PostgreSQL asked 10,000 pieces whether each had an
        # approved version). Not within their reach as a partner: a campaign admin reaches
        # most of the material there is, and PostgreSQL, starting from the reach, looked up
        # each of 10,000 pieces by its id where reading them in turn costs a tenth.
        visible = Q(campaign_id__in=campaign_ids_led_by(admin_organisation_ids)) | visible
    return visible


class Material(models.Model):
    """A piece of campaign material: a poster, a press release, a suggested post, a film..."""

    Kind = MaterialKind

    class Audience(models.TextChoices):
        ALL_PARTNERS = "all_partners", "All partners"
        POLICE_FORCES = "police_forces", "Police forces only"
        COUNCILS = "councils", "Councils only"
        NAMED_ORGANISATIONS = "named", "Named organisations"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="materials")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    usage_notes = models.TextField(
        blank=True, help_text="How to use it, e.g. “Print at A3” or “Add your force's logo”."
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="materials")
    owner_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="materials",
        help_text="The charity, or the partner that submitted the material.",
    )
    audience = models.CharField(
        max_length=20, choices=Audience.choices, default=Audience.ALL_PARTNERS
    )
    audience_organisations = models.ManyToManyField(
        Organisation,
        blank=True,
        related_name="+",
        help_text="Only used when the audience is “Named organisations”.",
    )
    release_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Partners cannot see the material before this time. Empty: as soon as approved.",
    )
    embargo_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Partners may prepare with it, but must not publish it before this time.",
    )
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="After this time it can no longer be downloaded."
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    withdrawal_reason = models.TextField(blank=True)
    release_notified_at = models.DateTimeField(
        null=True, blank=True, help_text="When partners were told the material was released."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    revision = models.PositiveIntegerField(
        default=1, editable=False, help_text="Counts edits, so that a stale edit can be refused."
    )

    objects = MaterialQuerySet.as_manager()

    class Meta:
        ordering = ["campaign", "kind", "title", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | ~Q(withdrawal_reason=""),
                name="%(app_label)s_%(class)s_withdrawal_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True)
                | Q(release_at__isnull=True)
                | Q(expires_at__gt=F("release_at")),
                name="%(app_label)s_%(class)s_expires_after_release",
                violation_error_message="The material must expire after it is released.",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True)
                | Q(embargo_until__isnull=True)
                | Q(expires_at__gt=F("embargo_until")),
                name="%(app_label)s_%(class)s_expires_after_embargo",
                violation_error_message="The material must expire after its embargo lifts.",
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "kind"], name="campaigns_material_kind_idx"),
            # A page of a campaign's toolkit in its order, read from the index rather than by
            # sorting all of a national campaign's 10,000 pieces (PostgreSQL; SQLite binds the
            # expression's values as parameters, which no index expression matches).
            models.Index(
                F("campaign"),
                kind_position(),
                F("title"),
                F("id"),
                name="campaigns_material_toolkit",
            ),
            # Where visible_to finds what is shared with every partner or a kind of partner,
            # without reading the material meant for named organisations.
            models.Index(fields=["campaign", "audience"], name="campaigns_material_audience"),
        ]

    def __str__(self) -> str:
        return self.title

    # --- Time ----------------------------------------------------------------------------
    def is_released(self, now=None) -> bool:
        return self.release_at is None or self.release_at <= (now or timezone.now())

    def is_under_embargo(self, now=None) -> bool:
        return self.embargo_until is not None and (now or timezone.now()) < self.embargo_until

    def is_expired(self, now=None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    def is_new_since(self, moment, now) -> bool:
        """New to a person who last saw its toolkit at the moment: approved, or released, after
        it. Nothing is new to a person who has not seen the toolkit before (moment None)."""
        current = self.current_version
        if moment is None or current is None or self.is_withdrawn:
            return False
        released_since = self.release_at is not None and moment < self.release_at <= now
        return released_since or (current.decided_at is not None and current.decided_at > moment)

    # --- Versions (from with_versions() when prefetched) ---------------------------------
    @property
    def versions_newest_first(self) -> list["MaterialVersion"]:
        if hasattr(self, "version_list"):
            return self.version_list
        return list(self.versions.select_related("uploaded_by").order_by("-number"))

    @property
    def current_version(self) -> "MaterialVersion | None":
        """The approved version: what the stable download link serves."""
        return next(
            (v for v in self.versions_newest_first if v.status == MaterialVersion.Status.APPROVED),
            None,
        )

    @property
    def latest_version(self) -> "MaterialVersion | None":
        versions = self.versions_newest_first
        return versions[0] if versions else None

    @property
    def version_in_review(self) -> "MaterialVersion | None":
        return next(
            (v for v in self.versions_newest_first if v.status == MaterialVersion.Status.IN_REVIEW),
            None,
        )

    @property
    def changes_requested_version(self) -> "MaterialVersion | None":
        """The latest version, if the reviewer sent it back: its comment is for the owner."""
        latest = self.latest_version
        if latest is not None and latest.status == MaterialVersion.Status.CHANGES_REQUESTED:
            return latest
        return None

    @property
    def submitted_version(self) -> "MaterialVersion | None":
        """The latest version while it waits for review or has been sent back: what the
        submitter sent, to show them."""
        latest = self.latest_version
        waiting = {MaterialVersion.Status.IN_REVIEW, MaterialVersion.Status.CHANGES_REQUESTED}
        return latest if latest is not None and latest.status in waiting else None

    @property
    def state(self) -> str:
        """One word for lists: withdrawn, approved, in_review, changes_requested or draft."""
        if self.is_withdrawn:
            return "withdrawn"
        if self.current_version is not None:
            return "approved"
        latest = self.latest_version
        return latest.status if latest is not None else "draft"

    @property
    def ever_approved(self) -> bool:
        return any(
            v.status in {MaterialVersion.Status.APPROVED, MaterialVersion.Status.SUPERSEDED}
            for v in self.versions_newest_first
        )

    # --- Workflow ------------------------------------------------------------------------
    def withdraw(self, *, by, reason: str, address: str | None = None) -> None:
        """Stop the material being downloadable, for a reason everyone who downloaded it is told."""
        reason = reason.strip()
        if not reason:
            raise WorkflowError(
                "Say why the material is withdrawn: downloaders are told the reason."
            )
        if not self.campaign.is_run_by(by):
            raise WorkflowError("Only the campaign's admins can withdraw material.")
        now = timezone.now()
        with transaction.atomic():
            changed = Material.objects.filter(pk=self.pk, withdrawn_at__isnull=True).update(
                withdrawn_at=now,
                withdrawn_by=by,
                withdrawal_reason=reason,
                updated_at=now,
                revision=F("revision") + 1,
            )
            if not changed:
                raise WorkflowError("This material has already been withdrawn.")
            self.withdrawn_at, self.withdrawn_by, self.withdrawal_reason = now, by, reason
            record(
                AuditEntry.Action.MATERIAL_WITHDRAWN,
                actor=by,
                address=address,
                organisation=self.owner_organisation,
                campaign=self.campaign,
                material=self,
                target=self,
                data={"reason": reason},
            )


# Who may see which material, its SQL built once per shape (lib.precompiled).
_VISIBLE = PrecompiledExpression(Material, _visible)


class MaterialVersionQuerySet(models.QuerySet):
    def awaiting_review_by(self, user) -> "MaterialVersionQuerySet":
        """Versions waiting for this person's decision, oldest first: their review queue."""
        return (
            self.filter(
                status=MaterialVersion.Status.IN_REVIEW,
                material__in=Material.objects.visible_to(user),
                material__campaign__lead_organisation_id__in=user.admin_organisation_ids,
                material__withdrawn_at__isnull=True,
            )
            .select_related("material__campaign", "material__owner_organisation", "uploaded_by")
            .order_by("uploaded_at", "pk")
        )


class MaterialVersion(models.Model):
    """One upload or text of a piece of material, with its review decision."""

    class Status(models.TextChoices):
        IN_REVIEW = "in_review", "Waiting for review"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        APPROVED = "approved", "Approved"
        SUPERSEDED = "superseded", "Superseded by a later version"
        REPLACED = "replaced", "Replaced before it was reviewed"

    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    file = models.FileField(upload_to=material_path, blank=True, max_length=200)
    text = models.TextField(
        blank=True, help_text="The words of a suggested post, or text material."
    )
    alt_text = models.CharField(
        max_length=300,
        blank=True,
        help_text="What the image shows, for people who cannot see it. Required for images.",
    )
    original_filename = models.CharField(max_length=150, blank=True)
    size = models.BigIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=120, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    page_count = models.PositiveIntegerField(null=True, blank=True)
    preview = models.FileField(upload_to=preview_path, blank=True, max_length=200)
    preview_width = models.PositiveIntegerField(
        null=True, blank=True, help_text="The preview's size in pixels, so pages keep its shape."
    )
    preview_height = models.PositiveIntegerField(null=True, blank=True)
    virus_checked = models.BooleanField(
        default=False,
        help_text="Scanned clean. While scanning is on, unscanned files are not served.",
    )
    change_note = models.TextField(
        blank=True,
        max_length=500,
        help_text="What changed since the previous version, in the submitter's words. The "
        "reviewer sees it.",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.IN_REVIEW)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    submission_key = models.UUIDField(
        null=True,
        blank=True,
        unique=True,
        editable=False,
        help_text="Sent with the upload form, so that a double submit creates one version.",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(blank=True)

    objects = MaterialVersionQuerySet.as_manager()

    class Meta:
        ordering = ["material", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["material", "number"], name="%(app_label)s_%(class)s_unique_number"
            ),
            models.UniqueConstraint(
                fields=["material"],
                condition=Q(status="in_review"),
                name="%(app_label)s_%(class)s_one_in_review",
            ),
            models.UniqueConstraint(
                fields=["material"],
                condition=Q(status="approved"),
                name="%(app_label)s_%(class)s_one_approved",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["in_review", "replaced"]) | Q(decided_at__isnull=False),
                name="%(app_label)s_%(class)s_decision_recorded",
            ),
            models.CheckConstraint(
                condition=~Q(status="changes_requested") | ~Q(decision_comment=""),
                name="%(app_label)s_%(class)s_changes_have_comment",
            ),
            models.CheckConstraint(
                condition=~Q(file="") | ~Q(text=""),
                name="%(app_label)s_%(class)s_has_content",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.material} (version {self.number})"

    @property
    def is_image(self) -> bool:
        return self.content_type in {"image/png", "image/jpeg", "image/webp"}

    @property
    def is_pdf(self) -> bool:
        return self.content_type == "application/pdf"

    @property
    def has_file(self) -> bool:
        return bool(self.file)

    @property
    def preview_fingerprint(self) -> str:
        """Changes whenever the preview does: the version's number and a hash of the stored
        preview's name (storage never reuses a name, so a new preview file has a new one)."""
        digest = hashlib.sha256(self.preview.name.encode()).hexdigest()[:16]
        return f"{self.number}-{digest}"

    @property
    def preview_url(self) -> str:
        """The preview's address, which changes with the preview: a browser may keep the image
        while the address stays the same (see campaigns.views.material.version_preview)."""
        path = reverse("campaigns:version-preview", args=[self.material_id, self.number])
        return f"{path}?v={self.preview_fingerprint}"

    def platform_fit(self) -> list[tuple[str, int, bool]]:
        length = len(self.text)
        return [(platform, limit, length <= limit) for platform, limit in PLATFORM_LIMITS]

    @property
    def download_name(self) -> str:
        return self.original_filename or f"{self.material.title}.txt"

    def _decide(
        self, *, to: str, by, comment: str, action: AuditEntry.Action, address: str | None
    ) -> None:
        material = self.material
        if not material.campaign.is_run_by(by):
            raise WorkflowError("Only the campaign's admins can review material.")
        try:
            with transaction.atomic():
                # Lock the material so that decisions on its versions happen one at a time.
                locked = Material.objects.select_for_update().get(pk=material.pk)
                if locked.withdrawn_at is not None:
                    raise WorkflowError(
                        "This material has been withdrawn; it can no longer be reviewed."
                    )
                now = timezone.now()
                if to == self.Status.APPROVED:
                    MaterialVersion.objects.filter(
                        material=material, status=self.Status.APPROVED
                    ).exclude(pk=self.pk).update(status=self.Status.SUPERSEDED)
                # Compare-and-set: only a version still waiting can be decided, so of two
                # admins deciding at once exactly one wins, on any database.
                changed = MaterialVersion.objects.filter(
                    pk=self.pk, status=self.Status.IN_REVIEW
                ).update(status=to, decided_by=by, decided_at=now, decision_comment=comment)
                if not changed:
                    raise _DecisionLost
                record(
                    action,
                    actor=by,
                    address=address,
                    organisation=material.owner_organisation,
                    campaign=material.campaign,
                    material=material,
                    target=self,
                    data={"version": self.number, "comment": comment},
                )
        except _DecisionLost:
            current = MaterialVersion.objects.select_related("decided_by").get(pk=self.pk)
            raise WorkflowError(current.why_not_in_review()) from None
        self.status, self.decided_by, self.decided_at, self.decision_comment = (
            to,
            by,
            now,
            comment,
        )

    def why_not_in_review(self) -> str:
        when = formats.date_format(timezone.localtime(self.decided_at), "j F Y \\a\\t H:i")
        if self.status == self.Status.APPROVED:
            return f"Version {self.number} was already approved by {self.decided_by} on {when}."
        if self.status == self.Status.CHANGES_REQUESTED:
            return (
                f"Changes to version {self.number} were already requested by "
                f"{self.decided_by} on {when}."
            )
        if self.status == self.Status.SUPERSEDED:
            return f"Version {self.number} has been superseded by a later approved version."
        if self.status == self.Status.REPLACED:
            return f"Version {self.number} was replaced by a newer upload before it was reviewed."
        return f"Version {self.number} is not waiting for review."

    def approve(self, *, by, comment: str = "", address: str | None = None) -> None:
        """Make this version the one partners download, superseding the previous one."""
        if self.is_image and not self.alt_text.strip():
            raise WorkflowError("Add alt text describing the image before approving it.")
        self._decide(
            to=self.Status.APPROVED,
            by=by,
            comment=comment.strip(),
            action=AuditEntry.Action.VERSION_APPROVED,
            address=address,
        )

    def request_changes(self, *, by, comment: str, address: str | None = None) -> None:
        """Send the version back to its submitter with what needs to change."""
        comment = comment.strip()
        if not comment:
            raise WorkflowError("Say what needs to change: the submitter sees your comment.")
        self._decide(
            to=self.Status.CHANGES_REQUESTED,
            by=by,
            comment=comment,
            action=AuditEntry.Action.CHANGES_REQUESTED,
            address=address,
        )
