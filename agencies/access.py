"""Who may see and manage which organisations and people. The only place that decides."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from agencies.models import Membership, Organisation


def can_manage_people(user, organisation: Organisation) -> bool:
    """Campaign admins manage people in any organisation; a partner lead in their own."""
    if user.admin_organisation_ids:
        return True
    return organisation.pk in user.lead_organisation_ids


def managed_organisations(user) -> list[Organisation]:
    """The organisations among the person's own whose people they may manage (for the home page)."""
    return [
        membership.organisation
        for membership in user.active_memberships
        if can_manage_people(user, membership.organisation)
    ]


def may_read_audit_trail(user) -> bool:
    """Campaign admins read their campaigns' trail, partner leads their organisation's."""
    return bool(user.admin_organisation_ids or user.lead_organisation_ids)


def require_audit_reader(user) -> None:
    if not may_read_audit_trail(user):
        raise PermissionDenied("Only campaign admins and partner leads read the audit trail.")


def get_organisation_for_user(user, slug: str) -> Organisation:
    """The organisation whose people this person may see and manage.

    Outsiders get 404 whether or not the organisation exists; members without a lead or
    campaign admin role get 403.
    """
    organisation = get_object_or_404(Organisation.objects.visible_to(user), slug=slug)
    if not can_manage_people(user, organisation):
        raise PermissionDenied("Only the organisation's leads and campaign admins manage people.")
    return organisation


def get_membership_for_user(user, organisation: Organisation, membership_id: int) -> Membership:
    """A membership of an organisation already resolved through get_organisation_for_user."""
    return get_object_or_404(organisation.memberships.select_related("user"), pk=membership_id)
