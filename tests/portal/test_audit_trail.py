import pytest

from audit.models import AuditEntry
from audit.services import record
from lib.addresses import client_address


def test_an_entry_cannot_be_changed(police_officer):
    entry = record(AuditEntry.Action.SIGNED_IN, actor=police_officer)
    entry.action = AuditEntry.Action.SIGNED_OUT
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="auth.signed_out")
    assert AuditEntry.objects.get(pk=entry.pk).action == "auth.signed_in"


def test_an_entry_cannot_be_deleted(police_officer):
    entry = record(AuditEntry.Action.SIGNED_IN, actor=police_officer)
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_the_address_comes_from_the_connection_not_a_forwarded_header(rf, police_officer):
    request = rf.get("/", REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR="203.0.113.99")
    entry = record(
        AuditEntry.Action.SIGNED_IN, actor=police_officer, address=client_address(request)
    )
    assert entry.ip_address == "192.0.2.10"


def test_on_postgresql_the_database_refuses_to_change_or_delete_entries(police_officer):
    from django.db import DatabaseError, connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("The trigger exists on PostgreSQL, the production database.")
    entry = record(AuditEntry.Action.SIGNED_IN, actor=police_officer)
    for sql in ["UPDATE portal_auditentry SET action = 'x'", "DELETE FROM portal_auditentry"]:
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql)
    assert AuditEntry.objects.get(pk=entry.pk).action == "auth.signed_in"
