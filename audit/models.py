"""The audit trail: an append-only record of who did what, shared by every app.

The tables keep the names they had when the trail lived in the portal package (portal_auditentry,
portal_auditsummary): the move was a change of Python home only, and the append-only trigger on
PostgreSQL stays on the same table. The vocabulary of actions lives in code (`AuditEntry.Action`)
and is checked when an entry is written, so a new action never needs a migration."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditEntryQuerySet(models.QuerySet):
    def visible_to(self, user) -> "AuditEntryQuerySet":
        """Campaign admins see their campaigns' trail and their own organisation's; a partner
        lead sees their organisation's; nobody else sees the trail in the portal."""
        if not user.is_authenticated:
            return self.none()
        admin_of, lead_of = user.admin_organisation_ids, user.lead_organisation_ids
        # The campaigns they run as a subquery rather than a join with every entry's campaign:
        # counting a campaign's 100,000 entries took half the time without the join.
        campaigns = self.model._meta.get_field("campaign").related_model
        run_by_them = campaigns._base_manager.filter(lead_organisation_id__in=admin_of)
        return self.filter(
            models.Q(campaign_id__in=run_by_them.values("pk"))
            | models.Q(organisation_id__in=admin_of | lead_of)
        )

    def update(self, **kwargs):
        raise TypeError("Audit entries are append-only and cannot be changed.")

    def delete(self):
        raise TypeError("Audit entries are append-only and cannot be deleted.")


class AuditEntry(models.Model):
    """One thing that happened in the portal, kept for accountability and never changed."""

    class Action(models.TextChoices):
        SIGNED_IN = "auth.signed_in", "Signed in"
        SIGN_IN_FAILED = "auth.sign_in_failed", "Sign-in failed"
        SIGNED_OUT = "auth.signed_out", "Signed out"
        LOCKED_OUT = "auth.locked_out", "Locked out after failed sign-ins"
        MFA_FAILED = "auth.mfa_failed", "Wrong sign-in code"
        MFA_ENROLLED = "auth.mfa_enrolled", "Two-step sign-in set up"
        MFA_RESET = "auth.mfa_reset", "Two-step sign-in reset"
        RECOVERY_CODE_USED = "auth.recovery_code_used", "Recovery code used"
        RECOVERY_CODES_ISSUED = "auth.recovery_codes_issued", "New recovery codes"
        EMAIL_CHANGED = "auth.email_changed", "E-mail address changed"
        ADMIN_CHANGE = "admin.change", "Changed in the Django admin"
        AUDIT_EXPORTED = "audit.exported", "Audit trail exported"
        PASSWORD_CHANGED = "auth.password_changed", "Password changed"
        PASSWORD_RESET = "auth.password_reset", "Password reset"
        PERSON_INVITED = "person.invited", "Person invited"
        PERSON_JOINED = "person.joined", "Invitation accepted"
        PERSON_DEACTIVATED = "person.deactivated", "Person deactivated"
        ROLE_CHANGED = "person.role_changed", "Role changed"
        CAMPAIGN_CREATED = "campaign.created", "Campaign created"
        CAMPAIGN_UPDATED = "campaign.updated", "Campaign updated"
        PARTNER_ADDED = "campaign.partner_added", "Partner added"
        PARTNER_REMOVED = "campaign.partner_removed", "Partner removed"
        MATERIAL_SUBMITTED = "asset.submitted", "Material submitted"
        MATERIAL_UPDATED = "asset.updated", "Material details changed"
        VERSION_SUBMITTED = "asset.version_submitted", "New version submitted"
        VERSION_APPROVED = "asset.approved", "Version approved"
        CHANGES_REQUESTED = "asset.changes_requested", "Changes requested"
        MATERIAL_WITHDRAWN = "asset.withdrawn", "Material withdrawn"
        MATERIAL_DOWNLOADED = "asset.downloaded", "Material downloaded"
        DOWNLOAD_NOT_SENT = "asset.download_not_sent", "Download not sent: the file store failed"
        TEMPLATE_MARKED = "asset.template_marked", "Material marked as a template"
        LOGO_CHANGED = "organisation.logo_changed", "Organisation logo changed"
        VISITS_IMPORTED = "figures.visits_imported", "Help page visits imported"
        TOOLKIT_DOWNLOADED = "campaign.toolkit_downloaded", "Toolkit downloaded"
        ACTIVITY_LOGGED = "activity.logged", "Activity logged"
        ACTIVITY_UPDATED = "activity.updated", "Activity changed"
        ACTIVITY_COMMENTED = "activity.commented", "Comment on activity"
        ACTIVITY_EXPORTED = "activity.exported", "Activity exported"
        ENFORCEMENT_RECORDED = "activity.enforcement_recorded", "Enforcement figures recorded"
        FIGURES_IMPORTED = "figures.imported", "Help-seeker figures imported"
        FIGURES_IMPORT_UNDONE = "figures.import_undone", "Figure import undone"
        REPORT_EXPORTED = "figures.report_exported", "Evaluation report exported"
        PERSONAL_DATA_EXPORTED = "person.data_exported", "Personal data downloaded"
        PERSON_ANONYMISED = "person.anonymised", "Person anonymised"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=64, db_index=True, help_text="One of AuditEntry.Action.")
    # PROTECT rather than SET_NULL: entries are never updated, so what they point at must stay.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_entries",
        help_text="Who did it; empty for the system or an anonymous visitor.",
    )
    organisation = models.ForeignKey(
        "agencies.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The organisation the action concerns.",
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    material = models.ForeignKey(
        "campaigns.Material", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    subject_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The person the action was done to, if any.",
    )
    target_repr = models.CharField(
        max_length=300, blank=True, help_text="What the action was done to, as it was then."
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        db_table = "portal_auditentry"
        ordering = ["-at", "-pk"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.target_repr}".strip()

    @property
    def action_label(self) -> str:
        return action_label(self.action)

    @property
    def details(self) -> str:
        """What changed, in words, for entries whose data says ("Partner member → Partner
        lead" for a role change). The code that records the change stores the labels, as they
        read then, beside the values."""
        data = self.data if isinstance(self.data, dict) else {}
        if "from" not in data or "to" not in data:
            return ""
        before = data.get("from_label") or data["from"]
        after = data.get("to_label") or data["to"]
        return f"{before} → {after}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Audit entries are append-only and cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Audit entries are append-only and cannot be deleted.")


class AuditSummary(models.Model):
    """How many audit entries of one kind one month had, kept once the entries themselves are
    deleted at the end of the audit retention period."""

    month = models.DateField(help_text="The first day of the month, in UK time.")
    action = models.CharField(max_length=64, help_text="One of AuditEntry.Action.")
    organisation = models.ForeignKey(
        "agencies.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The organisation the entries concerned; empty for entries that named none.",
    )
    count = models.PositiveIntegerField(help_text="How many entries were summarised into this row.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "portal_auditsummary"
        ordering = ["-month", "action", "organisation", "pk"]
        verbose_name_plural = "audit summaries"
        constraints = [
            models.UniqueConstraint(
                fields=["month", "action", "organisation"],
                condition=models.Q(organisation__isnull=False),
                name="%(app_label)s_%(class)s_unique_month_action_organisation",
            ),
            models.UniqueConstraint(
                fields=["month", "action"],
                condition=models.Q(organisation__isnull=True),
                name="%(app_label)s_%(class)s_unique_month_action_no_organisation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%B %Y}: {action_label(self.action)} × {self.count}"


def action_label(action: str) -> str:
    """What an action is called on the page; an action no longer in the vocabulary (kept in old
    entries) shows as it was recorded."""
    try:
        return AuditEntry.Action(action).label
    except ValueError:
        return action
