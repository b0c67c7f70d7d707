"""Films (MP4). A film can be hundreds of megabytes (UPLOAD_MAX_FILM_MB), so it is never read
into memory: its type is known from its first bytes (the ISO "ftyp" box that filetype reads),
and it is stored as sent, hashed chunk by chunk. What guards against a hostile film is the virus
scan (lib.scanning), whose clamd limits must be at least the film limit: see the deployment
notes, "Virus scanning"."""

from django.core.files.uploadedfile import UploadedFile

from lib.uploads.common import MP4, CheckedUpload, checked_as_is


def check_film(uploaded: UploadedFile, filename: str) -> CheckedUpload:
    return checked_as_is(uploaded, MP4, filename)
