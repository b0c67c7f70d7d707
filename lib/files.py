"""Serving protected files: always through a view that has checked access, never a media URL."""

from django.http import FileResponse

# Even if a served file were HTML, the browser would run nothing and load nothing from it.
SERVED_FILE_POLICY = "default-src 'none'; img-src 'self'; sandbox"


def protected_file_response(
    file, *, filename: str, content_type: str, inline: bool = False
) -> FileResponse:
    response = FileResponse(
        file, as_attachment=not inline, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SERVED_FILE_POLICY
    response["Cache-Control"] = "private, no-store"
    return response


class StoredFiles:
    """The files an action has written to storage so far, removed again if the action fails:
    a transaction rolls the database back, but not the storage."""

    def __init__(self):
        self.files = []

    def add(self, field_file) -> None:
        self.files.append(field_file)

    def __enter__(self) -> "StoredFiles":
        return self

    def __exit__(self, kind, error, traceback) -> bool:
        if error is not None:
            for field_file in self.files:
                field_file.storage.delete(field_file.name)
        return False
