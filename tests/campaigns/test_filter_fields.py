"""The pages' filters (toolkit, activity list, impact), written out by
campaigns/templatetags/filter_fields.py: the same markup as the template they were written by
before, and the same HTML as the form layout library gives (attributes in any order), in each
state a filter can be in: empty, chosen, typed, and invalid."""

from pathlib import Path

from django.template import Context, Template
from django.test.html import parse_html

from agencies.models import Organisation
from agencies.views.audit import AuditFilterForm
from campaigns.forms.activity import ActivityFilterForm
from campaigns.forms.figures import ImpactForm
from campaigns.forms.material import ToolkitFilterForm
from campaigns.models import Campaign

LIBRARY = Template("{% load crispy_forms_tags %}{{ field|as_crispy_field }}")
OURS = Template("{% load filter_fields %}{% filter_field field %}")
# The template the fields were written by before (templates/campaigns/_filter_field.html).
BEFORE = Template((Path(__file__).parent / "before" / "filter_field.html").read_text())


def activity_filters(data=None):
    return ActivityFilterForm(
        data,
        campaigns=Campaign.objects.order_by("name"),
        organisations=Organisation.objects.order_by("name"),
    )


FORMS = {
    "activity, empty": lambda: activity_filters(),
    "activity, chosen": lambda: activity_filters(
        {
            "campaign": "south-west-regional-campaign",
            "organisation": "avon-and-somerset-police",
            "activity_type": "social_post",
            "date_from": "2026-01-01",
            "date_to": "2026-02-01",
        }
    ),
    "activity, invalid": lambda: activity_filters(
        {"campaign": "no-such-campaign", "date_from": "2026-02-01", "date_to": "2026-01-01"}
    ),
    "toolkit, empty": lambda: ToolkitFilterForm(),
    "toolkit, typed": lambda: ToolkitFilterForm(
        {"q": 'posters "&" <leaflets>', "kind": "image", "state": "approved", "tag": "winter"}
    ),
    "toolkit, invalid": lambda: ToolkitFilterForm({"kind": "nonsense", "q": "x" * 101}),
    "impact, empty": lambda: ImpactForm(initial={"months": 3}),
    "impact, chosen": lambda: ImpactForm({"months": "6", "table_from": "2026-03"}),
    "impact, invalid": lambda: ImpactForm(
        {"months": "13", "table_from": "2026-05", "table_to": "2026-03"}
    ),
}


def rendered(template: Template, make_form, name: str) -> str:
    form = make_form()
    if form.is_bound:
        form.is_valid()
    return template.render(Context({"field": form[name]}))


def test_each_filter_is_the_markup_its_template_wrote_and_the_layout_librarys_html(
    campaign, force_a, council_b
):
    checked = 0
    for state, make_form in FORMS.items():
        for name in make_form().fields:
            ours = rendered(OURS, make_form, name)
            # Only the blank lines around the field differ.
            assert ours == rendered(BEFORE, make_form, name).strip(), (state, name)
            assert parse_html(ours) == parse_html(rendered(LIBRARY, make_form, name)), (
                state,
                name,
            )
            checked += 1
    assert checked == 3 * (5 + 5 + 3)


def audit_filters(data=None):
    return AuditFilterForm(data, organisations=Organisation.objects.order_by("name"))


def test_the_audit_trails_filters_are_the_layout_librarys_html_help_included(
    campaign, force_a, council_b
):
    states = {
        "empty": lambda: audit_filters(),
        "chosen": lambda: audit_filters(
            {
                "person": 'o\'brien "&" <b>',
                "organisation": force_a.slug,
                "action": "auth.signed_in",
                "date_from": "2026-01-01",
                "date_to": "2026-02-01",
            }
        ),
        "invalid": lambda: audit_filters(
            {"person": "x" * 255, "organisation": "nobody", "action": "no", "date_to": "soon"}
        ),
    }
    for state, make_form in states.items():
        for name in make_form().fields:
            ours = rendered(OURS, make_form, name)
            assert parse_html(ours) == parse_html(rendered(LIBRARY, make_form, name)), (
                state,
                name,
            )
    invalid = rendered(OURS, states["invalid"], "person")
    assert 'aria-describedby="id_person_helptext id_person_error"' in invalid
    assert '<div id="id_person_helptext" class="form-text">Part of a name or e-mail.</div>' in (
        invalid
    )


def test_a_chosen_option_is_selected_and_an_error_is_tied_to_its_field(campaign, force_a):
    form = activity_filters(
        {"campaign": campaign.slug, "date_from": "2026-02-01", "date_to": "2026-01-01"}
    )
    form.is_valid()
    html = OURS.render(Context({"field": form["campaign"]}))
    assert f'<option value="{campaign.slug}" selected>{campaign.name}</option>' in html
    html = OURS.render(Context({"field": form["date_to"]}))
    assert 'aria-invalid="true" aria-describedby="id_date_to_error"' in html
    assert '<div id="id_date_to_error" class="invalid-feedback">' in html
    assert "The end of the range is before its start." in html
