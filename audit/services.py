"""Writing the audit trail: called explicitly by the code that acts, never from signals."""

from audit.models import AuditEntry

# A person's own sign-ins, account changes and exports are recorded where no organisation is in
# question; they belong to the person's organisation, so that its lead (and the charity's campaign
# admins, for their own staff) find them in the audit trail. The person is the actor, or, for a
# failed sign-in or a lockout (where nobody is signed in), the subject: the person whose address
# was typed. Someone in several organisations has no single one: their entries stay without.
PERSONAL_ACTIONS = frozenset(
    {
        AuditEntry.Action.SIGNED_IN,
        AuditEntry.Action.SIGN_IN_FAILED,
        AuditEntry.Action.LOCKED_OUT,
        AuditEntry.Action.SIGNED_OUT,
        AuditEntry.Action.MFA_FAILED,
        AuditEntry.Action.MFA_ENROLLED,
        AuditEntry.Action.MFA_RESET,
        AuditEntry.Action.RECOVERY_CODE_USED,
        AuditEntry.Action.RECOVERY_CODES_ISSUED,
        AuditEntry.Action.EMAIL_CHANGED,
        AuditEntry.Action.PASSWORD_CHANGED,
        AuditEntry.Action.PASSWORD_RESET,
        AuditEntry.Action.AUDIT_EXPORTED,
        AuditEntry.Action.ACTIVITY_EXPORTED,
        AuditEntry.Action.PERSONAL_DATA_EXPORTED,
    }
)


def record(
    action: AuditEntry.Action,
    *,
    actor=None,
    address: str | None = None,
    organisation=None,
    campaign=None,
    material=None,
    subject_user=None,
    target: object = None,
    data: dict | None = None,
) -> AuditEntry:
    if action not in AuditEntry.Action.values:
        raise ValueError(f"{action!r} is not an audit action: add it to AuditEntry.Action.")
    if actor is not None and not actor.is_authenticated:
        actor = None
    person = actor if actor is not None else subject_user
    if organisation is None and person is not None and action in PERSONAL_ACTIONS:
        memberships = person.active_memberships
        organisation = memberships[0].organisation if len(memberships) == 1 else None
    return AuditEntry.objects.create(
        action=action,
        actor=actor,
        organisation=organisation,
        campaign=campaign,
        material=material,
        subject_user=subject_user,
        target_repr=str(target)[:300] if target is not None else "",
        ip_address=address,
        data=data or {},
    )
