"""What templates/campaigns/_filter_field.html needs of a form field beyond Django's own tags."""

from django import template
from django.forms import BoundField

register = template.Library()


@register.filter
def choice_list(field: BoundField) -> list:
    """A list field's choices, read once. A template loop over a field's own choices, like list()
    of them, asks for their number first, and for choices from the database (the campaigns and
    organisations of the activity filters) that number is a query of its own."""
    return [choice for choice in field.field.choices]
