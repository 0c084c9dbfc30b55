"""Form pieces the console and the portal share."""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile

from helpdesk.errors import HelpdeskError
from tickets.services.attachments import attachment_check, safe_filename


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


def upload_problems(uploads: list[UploadedFile]) -> list[str]:
    """Each refused file with its reason, checked before anything is saved."""
    problems = []
    for upload in uploads:
        try:
            attachment_check(upload)
        except HelpdeskError as exc:
            # Most reasons name the file already; the others get its name in front.
            named = exc.message.startswith(safe_filename(upload.name))
            problems.append(exc.message if named else f"{upload.name}: {exc.message}")
    return problems
