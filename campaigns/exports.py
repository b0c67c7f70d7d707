"""Activity exports: the same records as the activity list, as CSV or XLSX, streamed in constant
memory. Big ones are written to storage by the task worker (`write_export`), with progress, for the
one person who asked; the filters are applied again then, within what that person may see."""

import tempfile
from collections.abc import Iterator, Mapping
from itertools import groupby

from django.core.files import File
from django.core.files.storage import default_storage
from django.db.models import Q, QuerySet
from django.utils import timezone

from agencies.models import Organisation
from campaigns.forms.activity import ActivityFilterForm
from campaigns.models import Activity, ActivityMonthlyTotal, Campaign, Export
from lib.spreadsheets import add_sheet, new_workbook, write_csv
from lib.tasks import enqueue_after_commit

PROGRESS_EVERY = 500


def _filters(user, params: Mapping[str, str]) -> ActivityFilterForm:
    campaigns = Campaign.objects.visible_to(user).order_by("name")
    organisations = Organisation.objects.filter(
        Q(pk__in=user.organisation_ids)
        | Q(campaign_partnerships__campaign__lead_organisation_id__in=user.admin_organisation_ids)
    ).distinct()
    return ActivityFilterForm(
        params if params else None, campaigns=campaigns, organisations=organisations
    )


def filter_activity(
    user, params: Mapping[str, str]
) -> tuple[ActivityFilterForm, QuerySet[Activity] | None]:
    """What the activity list shows and its exports contain: always within what the person may
    see, then narrowed by the filters. Filters naming something out of reach are errors."""
    form = _filters(user, params)
    activities = Activity.objects.visible_to(user)
    if not form.is_bound:
        return form, activities
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    activities = _narrowed(activities, data)
    if data["date_from"]:
        activities = activities.filter(
            Q(ended_on__gte=data["date_from"]) | Q(started_on__gte=data["date_from"])
        )
    if data["date_to"]:
        activities = activities.filter(started_on__lte=data["date_to"])
    return form, activities


def _narrowed(rows: QuerySet, data: dict) -> QuerySet:
    """Records, or their monthly totals, narrowed by the filters both have."""
    for name in ("campaign", "organisation", "activity_type"):
        if data.get(name):
            rows = rows.filter(**{name: data[name]})
    return rows


def count_activity(user, form: ActivityFilterForm, activities: QuerySet[Activity]) -> int:
    """How many records `activities` (filter_activity's, for the same form) holds. Without a
    date, the monthly totals are added up (a few thousand rows for a national campaign's
    million records); a date needs the records themselves counted."""
    data = form.cleaned_data if form.is_bound else {}
    if data.get("date_from") or data.get("date_to"):
        return activities.count()
    return _narrowed(ActivityMonthlyTotal.objects.visible_to(user), data).records()


EXPORT_HEADER = [
    "Campaign",
    "Organisation",
    "Type",
    "Date",
    "Until",
    "Channel or platform",
    "Quantity",
    "Reach",
    "Reach figure from",
    "Engagement",
    "Force area",
    "Place",
    "Link",
    "Material used",
    "Notes",
    "Logged by",
    "Last changed (UK time)",
]


def export_rows(activities: QuerySet[Activity]) -> Iterator[list]:
    """One row per record, in constant memory and two queries: the records (as plain values
    with their names joined in, no model instances) and their material, both read in the same
    order and merged as they stream."""
    order = ("-started_on", "-pk")
    ordered = activities.order_by(*order).values_list(
        "pk",
        "campaign__name",
        "organisation__name",
        "activity_type",
        "started_on",
        "ended_on",
        "channel",
        "quantity",
        "reach",
        "reach_source",
        "engagement",
        "force_area__name",
        "place",
        "link",
        "notes",
        "logged_by__full_name",
        "updated_at",
    )
    used = (
        Activity.materials.through.objects.filter(activity__in=activities)
        .order_by("-activity__started_on", "-activity_id", "material__title")
        .values_list("activity_id", "material__title")
        .iterator(chunk_size=2000)
    )
    material = groupby(used, key=lambda pair: pair[0])
    pending = next(material, None)
    types = dict(Activity.Type.choices)
    sources = dict(Activity.ReachSource.choices)
    uk = timezone.get_current_timezone()
    for (
        pk,
        campaign,
        organisation,
        activity_type,
        started_on,
        ended_on,
        channel,
        quantity,
        reach,
        reach_source,
        engagement,
        force_area,
        place,
        link,
        notes,
        logged_by,
        updated_at,
    ) in ordered.iterator(chunk_size=2000):
        titles = ""
        if pending is not None and pending[0] == pk:
            titles = "; ".join(title for _, title in pending[1])
            pending = next(material, None)
        yield [
            campaign,
            organisation,
            types[activity_type],
            started_on,
            ended_on,
            channel,
            quantity,
            reach,
            sources.get(reach_source, ""),
            engagement,
            force_area or "",
            place,
            link,
            titles,
            notes,
            logged_by or "",
            updated_at.astimezone(uk).replace(tzinfo=None, microsecond=0),
        ]


def start_export(*, requested_by, kind: str, fmt: str, filters: dict) -> Export:
    """Note what the person asked for and queue the task that writes it."""
    from campaigns.tasks import write_export

    now = timezone.now()
    stamp = timezone.localtime(now).strftime("%Y-%m-%d")
    export = Export.objects.create(
        requested_by=requested_by,
        kind=kind,
        format=fmt,
        filters=filters,
        filename=f"{kind}-{stamp}.{fmt}",
        created_at=now,
    )
    enqueue_after_commit(write_export, export.pk)
    return export


def _counting(rows: Iterator[list], export: Export) -> Iterator[list]:
    done = 0
    for row in rows:
        yield row
        done += 1
        if done % PROGRESS_EVERY == 0:
            Export.objects.filter(pk=export.pk).update(rows_done=done)


def write_activity_export(export: Export) -> None:
    """Write the file to storage under a name of its own and mark the export ready.

    Run again (a retry, or a task picked up after its worker died), it replaces any file an
    earlier run left under that name, so there is never a second file; a ready export is left
    alone.
    """
    if export.status == Export.Status.READY:
        return
    form, activities = filter_activity(export.requested_by, export.filters)
    if activities is None:
        raise ValueError("The filters are no longer valid: " + form.errors.as_text())
    total = activities.count()
    Export.objects.filter(pk=export.pk).update(
        status=Export.Status.RUNNING, rows_total=total, rows_done=0
    )
    rows = _counting(export_rows(activities), export)
    name = f"exports/{export.pk}/{export.filename}"
    with tempfile.TemporaryFile() as handle:
        if export.format == Export.Format.CSV:
            write_csv(handle, EXPORT_HEADER, rows)
        else:
            workbook = new_workbook()
            add_sheet(workbook, "Activity", EXPORT_HEADER, rows)
            workbook.save(handle)
        handle.seek(0)
        if default_storage.exists(name):
            default_storage.delete(name)
        stored = default_storage.save(name, File(handle, name=export.filename))
    Export.objects.filter(pk=export.pk).update(
        status=Export.Status.READY,
        file=stored,
        rows_done=total,
        finished_at=timezone.now(),
        error="",
    )
