"""The activity form's fields, written out by campaigns/templatetags/form_fields.py, are marked up
as the form layout library marks them up: label, required mark, error and help, and what ties
them to the field for screen readers. Compared as HTML (attributes in any order), field by field,
in each state the form can be in."""

from datetime import date

from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.test.html import parse_html

from campaigns.forms.activity import ActivityForm
from campaigns.models import Activity
from campaigns.services import activity as services
from tests.factories import make_material

LIBRARY = Template("{% load crispy_forms_tags %}{{ field|as_crispy_field }}")
OURS = Template("{% load form_fields %}{% form_field field %}")


def both(make_form, name: str) -> tuple:
    """The field as each renders it, each from a form of its own (the library changes a
    widget's classes as it renders it)."""
    library = LIBRARY.render(Context({"field": make_form()[name]}))
    ours = OURS.render(Context({"field": make_form()[name]}))
    return parse_html(library), parse_html(ours)


def assert_same_markup(make_form) -> None:
    # Hidden fields are Django's own in both (and a new record's key differs from form to form).
    names = [field.name for field in make_form() if not field.is_hidden]
    assert len(names) > 10
    for name in names:
        library, ours = both(make_form, name)
        assert ours == library, name


def test_a_new_record_s_fields(campaign, force_a):
    make_material(campaign, owner=force_a, title="Our poster")
    assert_same_markup(lambda: ActivityForm(campaign=campaign, organisation=force_a))


def test_fields_with_errors(campaign, force_a):
    make_material(campaign, owner=force_a, title="Our poster")
    make_material(campaign, owner=force_a, title="Our leaflet")
    data = {
        "activity_type": "posters",
        "started_on": "2099-01-01",
        "ended_on": "2000-01-01",
        "quantity": "-1",
        "reach": "5",
        "engagement": "9",
        "link": "not a link",
        "place": "x" * 200,
        "materials": ["999999"],
        "force_area": "999999",
    }
    files = {"evidence_file": SimpleUploadedFile("notes.txt", b"not an image")}

    def make_form():
        form = ActivityForm(data, {**files}, campaign=campaign, organisation=force_a)
        assert not form.is_valid()
        return form

    errors = make_form().errors
    for name in ("started_on", "quantity", "link", "place", "materials", "evidence_file"):
        assert name in errors, name
    assert_same_markup(make_form)


def test_a_record_being_changed(campaign, force_a):
    material = make_material(campaign, owner=force_a, title="Our poster")
    activity = services.log_activity(
        Activity(
            campaign=campaign,
            organisation=force_a,
            activity_type="posters",
            started_on=date(2026, 7, 1),
        ),
        actor=None,
        materials=[material],
    )

    def make_form():
        return ActivityForm(instance=activity, campaign=campaign, organisation=force_a)

    assert make_form()["materials"].value() == [material.pk]
    assert_same_markup(make_form)


def test_a_missing_required_choice_and_a_ticked_box(campaign, force_a):
    data = {"activity_type": "", "started_on": "", "confirm_dates": "on"}

    def make_form():
        form = ActivityForm(data, campaign=campaign, organisation=force_a)
        form.is_valid()
        return form

    assert_same_markup(make_form)


def test_a_field_without_label_or_of_another_kind_is_the_library_s():
    class Other(forms.Form):
        choice = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)
        box = forms.BooleanField(label="", required=True)
        many = forms.MultipleChoiceField(
            label="", choices=[("a", "A")], widget=forms.CheckboxSelectMultiple
        )

    for bound in (None, {"choice": "c"}):

        def make_form(bound=bound):
            form = Other(bound)
            form.is_valid()
            return form

        for name in ("choice", "box", "many"):
            library, ours = both(make_form, name)
            assert ours == library, name


def test_the_material_forms_fields_are_the_library_s_new_changed_and_invalid(
    campaign, force_a, council_b
):
    from campaigns.forms.material import MaterialDetailsForm, MaterialUploadForm
    from campaigns.models import Material

    material = make_material(campaign, owner=force_a, title="Our poster")
    material.audience = Material.Audience.NAMED_ORGANISATIONS
    material.save()
    material.audience_organisations.set([council_b])
    invalid = {
        "kind": "nonsense",
        "title": "",
        "audience": "named",
        "audience_organisations": ["999999"],
        "release_at": "soon",
        "expires_at": "2000-01-01T00:00",
    }
    makers = {
        "new": lambda: MaterialDetailsForm(
            campaign=campaign, initial={"audience": "named", "audience_organisations": [force_a]}
        ),
        "changed": lambda: MaterialDetailsForm(instance=material, campaign=campaign),
        "invalid": lambda: MaterialDetailsForm(invalid, instance=material, campaign=campaign),
    }
    for state, make in makers.items():

        def make_form(make=make):
            form = make()
            form.is_valid()
            return form

        assert len(make_form().fields) == 10
        for name in make_form().fields:
            library, ours = both(make_form, name)
            assert ours == library, (state, name)

        def make_upload(make_form=make_form, state=state):
            form = MaterialUploadForm(
                {"alt_text": "x" * 301} if state == "invalid" else None,
                details_form=make_form(),
            )
            form.is_valid()
            return form

        for name in ("file", "text", "alt_text"):
            library, ours = both(make_upload, name)
            assert ours == library, (state, name)


def test_the_material_edit_form_is_the_library_s_whole_form(campaign, force_a):
    from campaigns.forms.material import MaterialDetailsForm

    material = make_material(campaign, owner=force_a, title="Our poster")
    whole = Template("{% load crispy_forms_tags %}{{ form|crispy }}")
    # As templates/campaigns/material_edit.html writes it.
    page = Template(
        '{% load form_fields %}{% include "bootstrap5/errors.html" %}'
        "{% for field in form %}{% form_field field %}{% endfor %}"
    )

    def make_form():
        form = MaterialDetailsForm({"title": ""}, instance=material, campaign=campaign)
        form.is_valid()
        form.add_error(None, "Someone else changed these details: reload the page.")
        return form

    library = parse_html(whole.render(Context({"form": make_form()})))
    ours = parse_html(page.render(Context({"form": make_form()})))
    assert ours == library
    assert "Someone else changed these details" in str(ours)
