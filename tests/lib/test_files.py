"""Reading stored files, and file names that Windows, macOS and Linux all accept."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from agencies.models import Organisation
from lib.files import (
    MAX_NAME_LENGTH,
    StoredFileMissing,
    UniqueNames,
    read_stored,
    safe_file_name,
)


@pytest.mark.parametrize(
    "given,safe",
    [
        ("poster.png", "poster.png"),
        ("Stop it Now: poster.png", "Stop it Now_ poster.png"),
        ('What "they" see? <A3>*|.pdf', "What _they_ see_ _A3___.pdf"),
        ("back\\slash/and/slash.txt", "back_slash_and_slash.txt"),
        ("tab\there\x00.txt", "tab_here_.txt"),
        ("trailing dots...", "trailing dots"),
        ("trailing space.txt  ", "trailing space.txt"),
        ("ends with dot and space. .", "ends with dot and space"),
        ("CON", "_CON"),
        ("con.txt", "_con.txt"),
        ("Nul.tar.gz", "_Nul.tar.gz"),
        ("COM1.png", "_COM1.png"),
        ("lpt9", "_lpt9"),
        ("COM10.png", "COM10.png"),  # not reserved
        ("CONTROL.txt", "CONTROL.txt"),  # not reserved
        ("", "file"),
        ("...", "file"),
        ("???", "file"),
    ],
)
def test_a_name_is_made_safe_for_windows(given, safe):
    assert safe_file_name(given) == safe


def test_a_long_name_keeps_its_extension():
    name = safe_file_name("a" * 300 + ".pdf")
    assert len(name) == MAX_NAME_LENGTH
    assert name.endswith("a.pdf")


def test_names_are_unique_after_cleaning_whatever_the_case():
    names = UniqueNames()
    names.reserve("README.txt")
    made = [
        names.name("poster?.png", folder="Poster"),
        names.name("poster*.png", folder="Poster"),
        names.name("POSTER_.png", folder="Poster"),
        names.name("readme.txt"),
        names.name("notes", folder="Key messages: briefing"),
        names.name("notes", folder="Key messages: briefing"),
    ]
    assert made == [
        "Poster/poster_.png",
        "Poster/poster_ (2).png",
        "Poster/POSTER_ (3).png",
        "readme (2).txt",
        "Key messages_ briefing/notes",
        "Key messages_ briefing/notes (2)",
    ]


def test_a_stored_file_is_read_whole_and_a_lost_one_is_told_apart():
    organisation = Organisation(name="Avon and Somerset Police")
    organisation.logo.save("logo.png", ContentFile(b"logo bytes"), save=False)
    assert read_stored(organisation.logo) == b"logo bytes"
    default_storage.delete(organisation.logo.name)
    with pytest.raises(StoredFileMissing):
        read_stored(organisation.logo)
