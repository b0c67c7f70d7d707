"""A view's address for each of many objects, resolved once (lib/links.py), is the address the
URL resolver gives for each, under the portal's own path or a prefix it is served under."""

from django.urls import clear_script_prefix, reverse, set_script_prefix

from lib.links import address_for_each


def test_each_address_is_the_resolvers_own():
    for view in ["campaigns:activity-detail", "campaigns:material-detail"]:
        page_of = address_for_each(view)
        for number in [1, 7, 42, 987654320, 10**12]:
            assert page_of(number) == reverse(view, args=[number])


def test_the_address_follows_the_prefix_the_portal_is_served_under():
    set_script_prefix("/portal/")
    try:
        page_of = address_for_each("campaigns:activity-detail")
        assert page_of(5) == reverse("campaigns:activity-detail", args=[5])
        assert page_of(5).startswith("/portal/")
    finally:
        clear_script_prefix()


def test_only_a_number_goes_into_an_address():
    page_of = address_for_each("campaigns:activity-detail")
    try:
        page_of('1/"><script>')
    except ValueError:
        pass
    else:
        raise AssertionError("text was put into an address")
