import uuid

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models.functions import Lower

from agencies.models import Organisation
from campaigns.models import Campaign, Material, Tag
from campaigns.models.material import ALLOWED_FILE_TYPES, TEXT_KINDS, upload_limit_bytes
from campaigns.services.localising import check_template_file
from lib import uploads
from lib.choices import ModelMultipleChoiceField
from lib.widgets import DateTimeInput


def tags_named(names: list[str]) -> list[Tag]:
    """The tags with these names, created if new, matched whatever the case."""
    existing = {
        tag.name.lower(): tag
        for tag in Tag.objects.annotate(low=Lower("name")).filter(
            low__in=[name.lower() for name in names]
        )
    }
    tags = []
    for name in names:
        tag = existing.get(name.lower())
        if tag is None:
            tag = existing[name.lower()] = Tag.objects.create(name=name)
        tags.append(tag)
    return tags


class MaterialDetailsForm(forms.ModelForm):
    """What material is, who it is for and when: shared by the upload and edit forms."""

    tag_names = forms.CharField(
        label="Tags",
        required=False,
        help_text="Separate tags with commas, e.g. “launch day, A3”.",
        max_length=400,
    )

    class Meta:
        model = Material
        fields = [
            "kind",
            "title",
            "description",
            "usage_notes",
            "audience",
            "audience_organisations",
            "release_at",
            "embargo_until",
            "expires_at",
        ]
        field_classes = {"audience_organisations": ModelMultipleChoiceField}
        labels = {
            "release_at": "Release time (UK time)",
            "embargo_until": "Embargoed until (UK time)",
            "expires_at": "Expiry time (UK time)",
            "audience_organisations": "Organisations",
        }
        widgets = {
            "audience": forms.RadioSelect,
            "audience_organisations": forms.CheckboxSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 3}),
            "usage_notes": forms.Textarea(attrs={"rows": 2}),
            "release_at": DateTimeInput,
            "embargo_until": DateTimeInput,
            "expires_at": DateTimeInput,
        }

    def __init__(self, *args, campaign: Campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.fields["audience_organisations"].queryset = Organisation.objects.filter(
            campaign_partnerships__campaign=campaign
        ).order_by("name")
        if self.instance.pk:
            self.fields["tag_names"].initial = ", ".join(t.name for t in self.instance.tags.all())

    def clean_tag_names(self) -> list[str]:
        names = []
        for raw in self.cleaned_data["tag_names"].split(","):
            name = " ".join(raw.split())
            if not name:
                continue
            if len(name) > 40:
                raise ValidationError(
                    f"“{name[:40]}…” is too long: a tag has at most 40 characters."
                )
            if name.lower() not in {n.lower() for n in names}:
                names.append(name)
        return names

    def clean(self):
        cleaned = super().clean()
        release, embargo, expiry = (
            cleaned.get("release_at"),
            cleaned.get("embargo_until"),
            cleaned.get("expires_at"),
        )
        if expiry and release and expiry <= release:
            self.add_error("expires_at", "The expiry time must be after the release time.")
        if expiry and embargo and expiry <= embargo:
            self.add_error("expires_at", "The expiry time must be after the embargo lifts.")
        if cleaned.get("audience") == Material.Audience.NAMED_ORGANISATIONS and not cleaned.get(
            "audience_organisations"
        ):
            self.add_error("audience_organisations", "Choose at least one organisation.")
        return cleaned

    def tags(self) -> list[Tag]:
        return tags_named(self.cleaned_data["tag_names"])


class VersionContentForm(forms.Form):
    """The content of a version: a file, words, or a suggested post with an optional image."""

    file = forms.FileField(required=False, label="File")
    text = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        label="Text",
        help_text="For a suggested post, the words partners will copy.",
    )
    alt_text = forms.CharField(
        required=False,
        max_length=300,
        label="Alt text",
        help_text="What the image shows, for people who cannot see it. Required for images.",
    )
    submission_key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, kind: str | None = None, template_kind: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        # A template's new version must still be a template partners can fill.
        self.template_kind = template_kind
        if not self.is_bound:
            self.fields["submission_key"].initial = uuid.uuid4()
        if kind is not None:
            self._fit_fields_to(kind)

    def _fit_fields_to(self, kind: str) -> None:
        """Only the fields that fit the kind: no words for a poster, no alt text for a film."""
        label = Material.Kind(kind).label.lower()
        if kind not in TEXT_KINDS:
            del self.fields["text"]
        elif kind != Material.Kind.SUGGESTED_POST:
            self.fields["text"].help_text = f"The words of the {label}, instead of a file."
        else:
            self.fields["text"].help_text = "The words partners will copy."
        if not ALLOWED_FILE_TYPES[kind] & uploads.IMAGE_TYPES:
            del self.fields["alt_text"]
        if kind == Material.Kind.SUGGESTED_POST:
            self.fields["file"].label = "Image (optional)"
        else:
            self.fields["file"].label = f"File of the {label}"

    def content_kind(self) -> str | None:
        return self.kind

    def clean(self):
        cleaned = super().clean()
        kind = self.content_kind()
        if kind is None:
            return cleaned
        label = Material.Kind(kind).label.lower()
        upload = cleaned.get("file")
        # Browsers send typed line breaks as \r\n; one break is one character in a post.
        text = (cleaned.get("text") or "").replace("\r\n", "\n").replace("\r", "\n").strip()
        cleaned["text"] = text
        cleaned.setdefault("alt_text", "")
        checked = None
        if upload:
            try:
                checked = uploads.check_upload(
                    upload,
                    allowed=ALLOWED_FILE_TYPES[kind],
                    max_bytes=upload_limit_bytes(kind),
                    what=label,
                    scan_later_over=settings.SCAN_IN_REQUEST_MAX_MB * uploads.MB,
                )
            except ValidationError as error:
                self.add_error("file", error)
        if checked is not None and self.template_kind == "press_release":
            self._check_template(checked)
        cleaned["checked_upload"] = checked
        if kind == Material.Kind.SUGGESTED_POST and not text:
            self.add_error("text", "Write the words of the suggested post.")
        elif kind not in TEXT_KINDS and not upload:
            self.add_error("file", f"Choose the file of the {label}.")
        elif kind in TEXT_KINDS and not upload and not text:
            self.add_error("file", f"Choose a file or write the text of the {label}.")
        if text and kind not in TEXT_KINDS:
            self.add_error("text", f"A {label} is a file; leave the text empty.")
        if checked is not None and checked.content_type in uploads.IMAGE_TYPES:
            if not (cleaned.get("alt_text") or "").strip():
                self.add_error("alt_text", "Describe the image for people who cannot see it.")
        return cleaned

    def _check_template(self, checked: uploads.CheckedUpload) -> None:
        if checked.content_type != uploads.DOCX:
            self.add_error("file", "A press release template is a Word document (.docx).")
            return
        checked.content.seek(0)
        try:
            check_template_file(checked.content.read())
        except ValidationError as error:
            self.add_error("file", error)
        finally:
            checked.content.seek(0)


class NewVersionForm(VersionContentForm):
    """A new version of existing material: its content, and what changed, for the reviewer."""

    change_note = forms.CharField(
        label="What changed",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="A sentence for the reviewer, e.g. “Moved the helpline number to the bottom”.",
        error_messages={"required": "Say in a sentence what changed: the reviewer reads it."},
    )
    field_order = ["file", "text", "alt_text", "change_note"]


class MaterialUploadForm(VersionContentForm):
    """New material: its details and its first version in one form."""

    def __init__(self, *args, details_form: MaterialDetailsForm, **kwargs):
        self.details_form = details_form
        super().__init__(*args, **kwargs)

    def content_kind(self) -> str | None:
        if self.details_form.is_valid():
            return self.details_form.cleaned_data["kind"]
        return None


class DecisionForm(forms.Form):
    comment = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required when asking for changes: the submitter sees it.",
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Everyone who downloaded the material is told this.",
    )


class EmbargoAcknowledgementForm(forms.Form):
    acknowledge = forms.BooleanField(
        required=True,
        label="I understand this material is under embargo and must not be published, shared "
        "or posted before the embargo lifts.",
        error_messages={"required": "Confirm that you will respect the embargo to download it."},
    )


class ToolkitDownloadForm(forms.Form):
    acknowledge_embargo = forms.BooleanField(
        required=False,
        label="Include the embargoed material. I understand it must not be published, shared or "
        "posted before each embargo lifts.",
    )


class ToolkitFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search", max_length=100)
    kind = forms.ChoiceField(required=False, choices=[("", "Any kind"), *Material.Kind.choices])
    state = forms.ChoiceField(
        required=False,
        label="Status",
        choices=[
            ("", "Any status"),
            ("approved", "Approved"),
            ("in_review", "Waiting for review"),
            ("changes_requested", "Changes requested"),
            ("withdrawn", "Withdrawn"),
        ],
    )
    audience = forms.ChoiceField(
        required=False, choices=[("", "Any audience"), *Material.Audience.choices]
    )
    tag = forms.CharField(required=False, max_length=40)
