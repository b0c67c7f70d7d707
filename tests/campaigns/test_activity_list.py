"""The activity list's rows: the same markup a template loop writes, for every kind of record."""

from datetime import date

from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from agencies.models import Organisation
from tests.assertions import body_rows
from tests.campaigns.test_activity_records import make_activity
from tests.factories import make_organisation

LIST = reverse("campaigns:activity-list")

# The row as the list's template wrote it before its rows were built in Python.
TEMPLATE_ROW = Template(
    "<tr><td>{{ activity.started_on|date:'j M Y' }}{% if activity.ended_on %} to "
    "{{ activity.ended_on|date:'j M Y' }}{% endif %}</td>"
    "<td><a href=\"{% url 'campaigns:activity-detail' activity.pk %}\">"
    "{{ activity.get_activity_type_display }}</a>{% if activity.channel %} "
    '<span class="text-body-secondary">({{ activity.channel }})</span>{% endif %}</td>'
    "<td>{{ activity.organisation }}</td><td>{{ activity.campaign }}</td>"
    '<td class="text-end">{% if activity.quantity is not None %}'
    "{{ activity.quantity|floatformat:'0g' }}{% endif %}</td>"
    '<td class="text-end">{% if activity.reach is not None %}'
    "{{ activity.reach|floatformat:'0g' }}{% endif %}</td></tr>"
)


def test_each_row_is_marked_up_as_the_template_wrote_it(
    client_for, charity_admin, campaign, force_a, council_b
):
    council_b.name = 'Bath & North East Somerset <"B&NES">'
    council_b.save()
    make_activity(campaign, force_a, started_on=date(2026, 1, 9))
    make_activity(
        campaign,
        council_b,
        activity_type="social_post",
        started_on=date(2026, 3, 31),
        ended_on=date(2026, 12, 1),
        channel="<b>X</b> & Facebook",
        quantity=0,
        reach=4_999_999_999,
    )
    make_activity(
        campaign, force_a, activity_type="event", started_on=date(2025, 5, 2), quantity=123456
    )
    response = client_for(charity_admin).get(LIST)
    assert response.status_code == 200
    expected = [
        TEMPLATE_ROW.render(Context({"activity": each})) for each in response.context["page"]
    ]
    assert len(expected) == 3
    assert body_rows(response) == expected
    # What the reference gives is what people see: dates, grouped figures, escaped names.
    assert "31 Mar 2026 to 1 Dec 2026" in expected[0]
    assert "Bath &amp; North East Somerset &lt;&quot;B&amp;NES&quot;&gt;" in expected[0]
    assert "(&lt;b&gt;X&lt;/b&gt; &amp; Facebook)" in expected[0]
    assert '<td class="text-end">0</td><td class="text-end">4,999,999,999</td>' in expected[0]
    assert '<td class="text-end">123,456</td><td class="text-end"></td>' in expected[2]


def test_month_names_are_those_of_the_language_being_spoken(
    client_for, police_officer, campaign, force_a
):
    make_activity(campaign, force_a, started_on=date(2026, 5, 4))
    client = client_for(police_officer)
    with translation.override("cy"):
        page = client.get(LIST, headers={"accept-language": "cy"})
        expected = [TEMPLATE_ROW.render(Context({"activity": a})) for a in page.context["page"]]
    assert "4 Mai 2026" in expected[0]
    assert body_rows(page) == expected


def test_a_list_with_nothing_to_show_says_so(client_for, police_officer, campaign):
    response = client_for(police_officer).get(LIST)
    assert body_rows(response) == ['<tr><td colspan="6">No activity matches.</td></tr>']


def test_the_rows_are_the_organisations_own_and_link_to_each_record(
    client_for, police_officer, campaign, force_a, council_b
):
    mine = make_activity(campaign, force_a)
    make_activity(campaign, council_b)
    make_organisation("Unrelated Police", Organisation.Kind.POLICE_FORCE)
    (row,) = body_rows(client_for(police_officer).get(LIST))
    assert f'href="{reverse("campaigns:activity-detail", args=[mine.pk])}"' in row
    assert "South Somerset" not in row
