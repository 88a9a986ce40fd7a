"""duban's zh_Hans catalogue: where ``makemessages`` writes, compiled, and complete for
the admin strings Django's own catalogue lacks."""

from __future__ import annotations

import ast
import gettext
from pathlib import Path

from django.conf import settings
from django.utils import translation

from duban.core.i18n_django import DJANGO_ADMIN_STRINGS, DJANGO_Q_ADMIN_STRINGS

LOCALE = Path(settings.BASE_DIR) / "locale"
PO = LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def read_po(path: Path) -> dict[str, str]:
    """msgid → msgstr of the translated, non-fuzzy entries of a .po file."""
    entries: dict[str, str] = {}
    msgid = msgstr = None
    target = ""
    fuzzy = False

    def flush() -> None:
        if msgid and msgstr and not fuzzy:
            entries[msgid] = msgstr

    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith("msgid "):
            flush()
            msgid, msgstr, target = ast.literal_eval(line[6:]), None, "id"
        elif line.startswith("msgstr "):
            msgstr, target = ast.literal_eval(line[7:]), "str"
        elif line.startswith('"'):
            if target == "id":
                msgid = (msgid or "") + ast.literal_eval(line)
            elif target == "str":
                msgstr = (msgstr or "") + ast.literal_eval(line)
        elif not line.strip():
            flush()
            msgid = msgstr = None
            target, fuzzy = "", False
    return entries


def test_makemessages_writes_into_the_projects_locale_folder() -> None:
    assert LOCALE in [Path(p) for p in settings.LOCALE_PATHS]
    assert PO.is_file() and MO.is_file()


def test_the_compiled_catalogue_matches_the_po() -> None:
    """`make messages` compiles what it extracts: the committed .mo is the .po's."""
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    po = read_po(PO)
    catalog = {k: v for k, v in compiled._catalog.items() if k}  # type: ignore[attr-defined]
    assert catalog == po


def test_admin_strings_django_does_not_translate_are_chinese() -> None:
    strings = DJANGO_ADMIN_STRINGS + DJANGO_Q_ADMIN_STRINGS
    with translation.override("zh-hans"):
        untranslated = [s for s in strings if translation.gettext(s) == s]
    assert untranslated == []


def test_the_admin_strings_are_kept_by_makemessages() -> None:
    """Each hand-translated string is marked in the source, so `make messages`
    (``--no-obsolete``) keeps its translation instead of dropping it."""
    marked = set(DJANGO_ADMIN_STRINGS + DJANGO_Q_ADMIN_STRINGS)
    assert set(read_po(PO)) <= marked
