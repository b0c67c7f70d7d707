"""Every e-mail the portal sends, kept from the moment the action that caused it is committed."""

from django.db import models
from django.db.models import Q


class OutgoingEmail(models.Model):
    """One message to one person, written in the same transaction as the action that caused it
    and sent by the task worker; its unique key means an action or a retry never mails twice."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed: every attempt used"

    key = models.CharField(
        max_length=255,
        unique=True,
        help_text="What this message is about and for whom; a second message with the same key "
        "is never created.",
    )
    template = models.CharField(max_length=64)
    to = models.EmailField("to", max_length=254)
    subject = models.CharField(max_length=255)
    text = models.TextField()
    html = models.TextField()
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveIntegerField(
        default=0, help_text="How many times the mail server was tried."
    )
    created_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField(
        help_text="When the worker should try (again); a message overdue by minutes had its task "
        "lost and is queued again by the sweeper."
    )
    claimed_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="A worker is sending it until then; after that another may try.",
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "outgoing e-mail"
        verbose_name_plural = "outgoing e-mail"
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
                name="%(app_label)s_%(class)s_sent_has_sent_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} to {self.to}"
