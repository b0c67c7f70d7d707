"""What the file store holds, through the storage API, whether it is a folder or an S3 bucket."""

import posixpath

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage


def stored_names(folder: str = "") -> list[str]:
    try:
        folders, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return []
    names = [posixpath.join(folder, name) if folder else name for name in files]
    for child in folders:
        names += stored_names(posixpath.join(folder, child) if folder else child)
    return sorted(names)


def stored_contents() -> dict[str, bytes]:
    contents = {}
    for name in stored_names():
        with default_storage.open(name, "rb") as stored:
            contents[name] = stored.read()
    return contents


def remove_every_stored_file() -> None:
    for name in stored_names():
        default_storage.delete(name)


def replace_stored_file(name: str, data: bytes) -> None:
    default_storage.delete(name)
    assert default_storage.save(name, ContentFile(data)) == name
