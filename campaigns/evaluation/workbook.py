"""The evaluation report as a workbook: one sheet per section."""

from dataclasses import dataclass, field

from campaigns.evaluation.report import (
    COMPARISON_WITHHELD_NOTE,
    ILLUSTRATIVE_NOTE,
    EvaluationReport,
    ReachRow,
)
from campaigns.impact.disclosure import Shown, cell_value, small_numbers_note
from lib.spreadsheets import HeaderRow, Percent

# --- The workbook ------------------------------------------------------------------------


def _number(shown: Shown):
    return cell_value(shown)


def _percent(text: str, value: int | None = None):
    """A percentage as a number cell (0.72 shown as +72%) where it is shown as a number; the
    words where it is not (“not comparable: …”, withheld)."""
    if value is not None:
        return Percent(value / 100)
    return text or None


@dataclass
class Sheet:
    title: str
    header: list
    rows: list[list] = field(default_factory=list)

    def block(self, title: str, header: list, rows: list[list], notes: list[str] = ()) -> None:
        """One table of the sheet: its title, a header row, its rows, its notes, a blank line."""
        self.rows.append([title])
        self.rows.append(HeaderRow(header))
        self.rows.extend(rows)
        self.rows.extend([note] for note in notes)
        self.rows.append([])


def _outcome_blocks(outcomes: Sheet, result) -> None:
    """The help-seeker tables of a report, as the reader may see them."""
    notes = [] if result.exact else [small_numbers_note()]
    if result.region is None:
        outcomes.rows.append(["The campaign has no region, so its effect cannot be measured."])
    if result.effect is not None:
        effect = result.effect
        label = " (illustrative)" if result.effect_illustrative else ""
        outcomes.block(
            f"People seeking help before and after launch{label}",
            [
                "Area",
                f"Before: {effect.before.label}",
                f"After: {effect.after.label}",
                "Change",
                "Larger than chance?",
                f"A year earlier: {result.before_year_earlier.label}",
                f"A year earlier: {result.after_year_earlier.label}",
                "Change a year earlier",
            ],
            [
                [
                    row.label,
                    _number(row.before),
                    _number(row.after),
                    _percent(row.percent, row.percent_value),
                    row.verdict or None,
                    _number(row.before_year_earlier),
                    _number(row.after_year_earlier),
                    _percent(row.percent_year_earlier, row.percent_value_year_earlier),
                ]
                for row in result.effect_rows
            ],
            ([f"Illustrative figures. {ILLUSTRATIVE_NOTE}"] if result.effect_illustrative else [])
            + notes
            + result.effect_notes
            + [f"The net effect: {result.net_effect}"]
            + ([result.own_net_effect] if result.own_net_effect else [])
            + [result.method],
        )
        if result.comparison is not None:
            comparison = result.comparison
            launched_percent, not_yet_percent = result.comparison_percents
            outcomes.block(
                "Areas that had launched against areas that had not yet",
                ["Areas", "Before", "After", "Change"],
                [
                    [
                        "Launched: " + ", ".join(comparison.launched),
                        comparison.launched_before,
                        comparison.launched_after,
                        _percent(launched_percent, comparison.launched_percent),
                    ],
                    [
                        "Not yet launched: " + ", ".join(comparison.not_yet),
                        comparison.not_yet_before,
                        comparison.not_yet_after,
                        _percent(not_yet_percent, comparison.not_yet_percent),
                    ],
                ],
                [result.comparison_sentence, result.comparison_method],
            )
        elif result.comparison_withheld:
            outcomes.rows.extend([[COMPARISON_WITHHELD_NOTE], []])
    if result.run is not None:
        label = " (illustrative)" if result.area_illustrative else ""
        outcomes.block(
            f"People seeking help by area during the campaign, {result.run.label}{label}",
            ["Area", *result.area_channels, "Total"],
            [
                [row.label, *(_number(cell) for cell in row.cells), _number(row.total)]
                for row in result.area_rows
            ],
            ([f"Illustrative figures. {ILLUSTRATIVE_NOTE}"] if result.area_illustrative else [])
            + notes
            + result.area_coverage,
        )
    elif result.region is not None:
        outcomes.rows.append(["The campaign has not yet run for a whole month."])


def workbook_sheets(report: EvaluationReport) -> list[Sheet]:
    """The report as five sheets, one per section: numbers as numbers, text as text."""
    campaign = report.campaign

    def sheet(title: str) -> Sheet:
        """A sheet that says at its top which report it is part of."""
        return Sheet(
            title,
            [f"{campaign.name}: evaluation report"],
            [
                ["Report period", report.period_label],
                ["Produced on", report.produced_on],
                ["What it covers", report.scope_label],
                [],
            ],
        )

    inputs = sheet("Inputs")
    inputs.block(
        "Partners",
        ["Partner", "Kind", "Launch date"],
        [[p.name, p.kind, p.launch_date] for p in report.inputs.partners],
    )
    inputs.block(
        "Material (approved, not withdrawn)",
        ["Kind", "Items"],
        [[label, count] for label, count in report.inputs.material_by_kind]
        + [["Total", report.inputs.material_total]],
    )
    inputs.block(
        "Material titles",
        ["Kind", "Title", "From"],
        [[item.kind, item.title, item.owner] for item in report.inputs.material],
    )

    outputs = sheet("Outputs")
    data = report.outputs
    outputs.block(
        "Activity records by partner and type",
        ["Partner", *data.types, "Total"],
        [[row.label, *row.counts, row.total] for row in [*data.rows, data.totals]],
    )
    outputs.block(
        "Downloads of material by partner",
        ["Partner", "Downloads", "Different items downloaded"],
        [[row.label, row.downloads, row.items] for row in [*data.downloads, data.downloads_total]],
    )

    outtakes = sheet("Outtakes")
    reach_header = [
        "Records",
        "Records with a reach figure",
        "Reach",
        "Records with an engagement figure",
        "Engagement",
    ]

    def reach_rows(rows: list[ReachRow]) -> list[list]:
        return [
            [r.label, r.records, r.with_reach, r.reach, r.with_engagement, r.engagement]
            for r in rows
        ]

    total = report.outtakes.total
    outtakes.block(
        "Reach and engagement by activity type",
        ["Activity type", *reach_header],
        reach_rows([*report.outtakes.by_type, total]),
        [report.outtakes.note],
    )
    outtakes.block(
        "Reach and engagement by partner",
        ["Partner", *reach_header],
        reach_rows([*report.outtakes.by_partner, total]),
    )
    outtakes.block(
        "Reach and engagement by channel or platform",
        ["Channel or platform", *reach_header],
        reach_rows([*report.outtakes.by_channel, total]),
    )
    outtakes.block(
        "Where the reach figures come from",
        ["Source", "Records with a reach figure"],
        [[label, count] for label, count in report.outtakes.sources],
    )

    outcomes = sheet("Outcomes")
    _outcome_blocks(outcomes, report.outcomes)

    learning = sheet("Learning")
    learning.rows.append(["Learning"])
    if report.learning.strip():
        learning.rows.extend([line] for line in report.learning_lines)
    else:
        learning.rows.append(["No learning has been recorded yet."])
    return [inputs, outputs, outtakes, outcomes, learning]


def partner_workbook_sheets(report) -> list[Sheet]:
    """A partner's report as three sheets: the summary and its work, then its area's figures."""
    top = [
        ["Campaign", report.campaign.name],
        ["Partner", str(report.organisation)],
        ["Launched in its area", report.partner.effective_launch_date],
        ["Report period", report.period_label],
        ["Produced on", report.produced_on],
        [],
    ]
    title = [f"{report.organisation}: report on {report.campaign.name}"]
    summary = Sheet("Summary", title, [*top, *([line] for line in report.summary)])
    work = Sheet("Work", title, [*top])
    data = report.outputs
    work.block(
        "Activity records by type",
        ["Activity type", "Records"],
        [[label, count] for label, count in zip(data.types, data.totals.counts, strict=True)]
        + [["Total", data.totals.total]],
    )
    work.block(
        "Downloads of the campaign's material",
        ["Downloads", "Different items downloaded"],
        [[data.downloads_total.downloads, data.downloads_total.items]],
    )
    work.block(
        "Reach and engagement, as the partner reported them",
        ["Records", "With a reach figure", "Reach", "With an engagement figure", "Engagement"],
        [
            [
                report.outtakes.total.records,
                report.outtakes.total.with_reach,
                report.outtakes.total.reach,
                report.outtakes.total.with_engagement,
                report.outtakes.total.engagement,
            ]
        ],
        [report.outtakes.note],
    )
    work.block(
        "Enforcement figures published",
        [
            "From",
            "To",
            "Search warrants",
            "Offenders charged",
            "Live cases",
            "Change in referrals",
        ],
        [
            [
                f.period_start,
                f.period_end,
                f.search_warrants,
                f.offenders_charged,
                f.live_cases,
                Percent(f.referrals_change_percent / 100)
                if f.referrals_change_percent is not None
                else None,
            ]
            for f in report.enforcement
        ],
    )
    figures = Sheet("Help-seekers", title, [*top])
    _outcome_blocks(figures, report.outcomes)
    return [summary, work, figures]
