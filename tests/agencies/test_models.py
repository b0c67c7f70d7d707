import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from agencies.models import Membership, Organisation, User
from tests.factories import make_force_area, make_organisation, make_user


def test_organisation_names_are_unique_whatever_the_case(force_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(
            name="AVON AND SOMERSET POLICE",
            slug="other",
            kind="council",
            force_area=force_a.force_area,
        )


def test_a_duplicate_organisation_is_a_form_error_not_a_crash(force_a):
    duplicate = Organisation(
        name="avon and somerset police", slug="x", kind="council", force_area=force_a.force_area
    )
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert "An organisation with this name already exists." in str(error.value)


def test_a_force_area_has_one_police_force(force_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_organisation("Second Force", "police_force", force_area=force_a.force_area)


def test_a_council_lies_within_a_force_area(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(name="Lost Council", slug="lost", kind="council")


def test_an_organisation_has_a_force_area_or_a_region_not_both(region):
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(
            name="Both",
            slug="both",
            kind="other_agency",
            force_area=make_force_area("Somewhere", region),
            region=region,
        )


def test_a_regional_body_reports_its_region(region):
    rocu = make_organisation("South West ROCU", "other_agency", region=region)
    assert rocu.covered_region == region


def test_a_person_belongs_to_an_organisation_once(police_officer, force_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=police_officer, organisation=force_a, role="lead")


def test_only_the_charity_has_campaign_admins(police_officer, force_a):
    membership = Membership.objects.get(user=police_officer)
    membership.role = Membership.Role.CAMPAIGN_ADMIN
    with pytest.raises(ValidationError):
        membership.full_clean()


def test_email_addresses_are_unique_whatever_the_case(police_officer):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="OFFICER@FORCE-A.EXAMPLE", full_name="Copy")


def test_the_manager_stores_addresses_in_lower_case(db):
    assert make_user("Mixed.Case@Example.ORG").email == "mixed.case@example.org"


def test_a_deactivated_membership_records_when(police_officer):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.filter(user=police_officer).update(is_active=False)


def test_memberships_of_an_inactive_organisation_grant_nothing(police_officer, force_a):
    force_a.is_active = False
    force_a.save()
    person = User.objects.get(pk=police_officer.pk)
    assert person.organisation_ids == set()
