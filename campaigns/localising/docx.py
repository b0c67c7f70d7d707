"""Word templates: find their fields, say exactly where one is wrong, fill them in.

A field is written `{{ name }}` anywhere in the text (body, tables, text boxes, headers and
footers). Word often splits what a person typed into several runs of differently formatted
text; fields are found in a paragraph's whole text and replaced run by run, so the formatting
around a field is kept and the value takes the formatting of the field's first character.

Only named fields are understood: no logic, loops or expressions are ever run from a file.
"""

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

import docx
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

FIELD = re.compile(r"\{\{\s*([a-z][a-z0-9_]*)\s*\}\}")
# Anything that looks like the start or end of a field, to catch broken ones.
BRACES = re.compile(r"\{\{|\}\}|\{%|%\}")
_PLACE_TEXT = 40


class TemplateError(Exception):
    """A template that cannot be used; `problems` says what is wrong and where, one per line."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class FieldUse:
    name: str
    place: str


def _paragraphs(document) -> Iterator[tuple[str, Paragraph]]:
    """Every paragraph with the words a person would use to find it."""
    body = document.element.body
    for number, element in enumerate(body.iter(qn("w:p")), start=1):
        yield f"paragraph {number}", Paragraph(element, document)
    for section_number, section in enumerate(document.sections, start=1):
        for where, part in (("header", section.header), ("footer", section.footer)):
            if part.is_linked_to_previous:
                continue
            for number, element in enumerate(part._element.iter(qn("w:p")), start=1):
                yield (
                    f"{where} of section {section_number}, paragraph {number}",
                    Paragraph(element, part),
                )


def _text(paragraph: Paragraph) -> str:
    return "".join(run.text for run in paragraph.runs)


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return f"“{text[:_PLACE_TEXT]}{'…' if len(text) > _PLACE_TEXT else ''}”"


def _open(data: bytes):
    try:
        return docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as error:
        raise TemplateError(["The file could not be read as a Word document."]) from error


def _external_relationships(data: bytes) -> list[str]:
    """Parts that point outside the document (remote templates, linked images): refused, as a
    filled copy would reach out to them when opened."""
    found = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.endswith(".rels") and b'TargetMode="External"' in archive.read(name):
                found.append(name)
    return found


def read_fields(data: bytes, *, known: set[str]) -> list[FieldUse]:
    """The fields a Word template uses, in order. Raises TemplateError naming every unknown
    field and every piece of broken field syntax with its place."""
    external = _external_relationships(data)
    problems = [
        f"It links to something outside the document ({name}): save a copy without links "
        "to other files or web addresses."
        for name in external
    ]
    document = _open(data)
    uses: list[FieldUse] = []
    for place, paragraph in _paragraphs(document):
        text = _text(paragraph)
        if "{" not in text and "}" not in text:
            continue
        for match in FIELD.finditer(text):
            name = match.group(1)
            if name not in known:
                problems.append(
                    f"{place} ({_quote(text)}): “{{{{ {name} }}}}” is not a field the portal knows"
                )
            else:
                uses.append(FieldUse(name, place))
        leftover = FIELD.sub("", text)
        for match in BRACES.finditer(leftover):
            problems.append(
                f"{place} ({_quote(text)}): “{match.group()}” is not part of a field; write "
                "fields as {{ field_name }} in lower case"
            )
            break
    if problems:
        raise TemplateError(problems)
    return uses


def _fill_paragraph(paragraph: Paragraph, values: dict[str, str]) -> None:
    runs = paragraph.runs
    texts = [run.text for run in runs]
    whole = "".join(texts)
    matches = list(FIELD.finditer(whole))
    if not matches:
        return
    # Where each run starts in the paragraph's text.
    starts, position = [], 0
    for text in texts:
        starts.append(position)
        position += len(text)

    lengths = [len(text) for text in texts]

    def run_at(offset: int) -> int:
        """The run holding the character at this offset of the paragraph's text."""
        for number, start in enumerate(starts):
            if start <= offset < start + lengths[number]:
                return number
        raise ValueError(offset)

    for match in reversed(matches):
        first, last = run_at(match.start()), run_at(match.end() - 1)
        value = values[match.group(1)]
        head = texts[first][: match.start() - starts[first]]
        tail = texts[last][match.end() - starts[last] :]
        if first == last:
            texts[first] = head + value + tail
        else:
            texts[first] = head + value
            for middle in range(first + 1, last):
                texts[middle] = ""
            texts[last] = tail
    for run, text in zip(runs, texts, strict=True):
        if run.text != text:
            run.text = text  # python-docx turns "\n" into a line break


def fill(data: bytes, values: dict[str, str]) -> bytes:
    """The template with every field replaced by its value."""
    document = _open(data)
    for _place, paragraph in _paragraphs(document):
        _fill_paragraph(paragraph, values)
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()


def paragraphs_of(data: bytes) -> list[str]:
    """The text of a document's body, one string per paragraph that has words."""
    document = _open(data)
    found = []
    for element in document.element.body.iter(qn("w:p")):
        paragraph = Paragraph(element, document)
        text = "".join(
            "\n" if child.tag in {qn("w:br"), qn("w:cr")} else (child.text or "")
            for run in paragraph.runs
            for child in run._r
            if child.tag in {qn("w:t"), qn("w:br"), qn("w:cr"), qn("w:tab")}
        )
        if text.strip():
            found.append(text)
    return found


def build(paragraphs: list[tuple[str, str]]) -> bytes:
    """A plain Word document from (style, text) pairs, e.g. ("Title", "…"), ("Normal", "…")."""
    document = docx.Document()
    for style, text in paragraphs:
        document.add_paragraph(text, style=style)
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()
