"""The gettext catalogues (pks_geo/translations/<lang>/LC_MESSAGES/messages.po) are the UI's only
source of text: both languages carry the same message ids, none is empty, both ask for the same
placeholders, and what the pages get (translations()) is what the compiled .mo holds."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from pks_geo.web import i18n
from pks_geo.web.i18n import LANGUAGES, catalogue_file, compile_catalogue, translations

PLACEHOLDER = re.compile(r"\{(\w*)[^{}]*\}")
LEFT_OUT = {("imp_reason_date_unreadable", "help"), ("imp_reason_date_impossible", "error")}
"""Values that are English text made by the validator (pks_geo/ingest/values.py): the Indonesian
message says the same in its own words instead of showing them."""


def _po(lang: str) -> dict[str, str]:
    with catalogue_file(lang).open("rb") as handle:
        return {str(m.id): str(m.string) for m in read_po(handle, locale=lang) if m.id}


def test_both_languages_have_the_same_messages_none_empty_none_fuzzy() -> None:
    catalogues = {lang: _po(lang) for lang in LANGUAGES}
    assert len(catalogues["id"]) > 500
    for lang, messages in catalogues.items():
        for other in LANGUAGES:
            missing = sorted(set(catalogues[other]) - set(messages))
            assert not missing, f"missing in {lang}/LC_MESSAGES/messages.po: {missing}"
        empty = sorted(key for key, text in messages.items() if not text.strip())
        assert not empty, f"empty msgstr in {lang}: {empty}"
    for lang in LANGUAGES:
        with catalogue_file(lang).open("rb") as handle:
            fuzzy = [m.id for m in read_po(handle, locale=lang) if m.id and m.fuzzy]
        assert not fuzzy, f"fuzzy (unreviewed) in {lang}: {fuzzy}"


def test_placeholders_are_the_same_in_both_languages() -> None:
    ids, ens = _po("id"), _po("en")
    differ = {}
    for key in ids:
        in_id, in_en = set(PLACEHOLDER.findall(ids[key])), set(PLACEHOLDER.findall(ens[key]))
        in_en -= {name for name in in_en - in_id if (key, name) in LEFT_OUT}
        if in_id != in_en:
            differ[key] = (sorted(in_id), sorted(in_en))
    assert not differ, differ
    # and every text formats with its own placeholders (a stray brace would raise here)
    for messages in (ids, ens):
        for text in messages.values():
            names = set(PLACEHOLDER.findall(text))
            if names and "" not in names:
                text.format(**dict.fromkeys(names, "x"))


def test_indonesian_catalogue_shows_translators_the_english_text() -> None:
    with catalogue_file("id").open("rb") as handle:
        catalogue = read_po(handle, locale="id")
    english = _po("en")
    for message in catalogue:
        if message.id:
            assert " ".join(message.auto_comments).replace("English: ", "", 1).split() == \
                english[str(message.id)].split(), message.id


def test_pages_get_what_the_compiled_catalogue_holds(tmp_path: Path) -> None:
    for lang in LANGUAGES:
        compiled = compile_catalogue(lang, tmp_path / lang / "messages.mo")
        with compiled.open("rb") as handle:
            mo = {str(m.id): str(m.string) for m in read_mo(handle) if m.id}
        assert mo == translations(lang) == _po(lang)
    assert translations("id")["f_apply"] == "Terapkan" and translations("en")["f_apply"] == "Apply"


def test_a_missing_or_stale_mo_is_compiled_on_first_use(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A plain clone has no .mo (git-ignored); an edited .po is newer than its .mo."""
    copy = tmp_path / "translations"
    shutil.copytree(i18n.TRANSLATIONS_DIR, copy, ignore=shutil.ignore_patterns("*.mo"))
    monkeypatch.setattr(i18n, "TRANSLATIONS_DIR", copy)
    i18n._messages.cache_clear()
    try:
        assert translations("en")["f_apply"] == "Apply"
        mo = copy / "en" / "LC_MESSAGES" / "messages.mo"
        assert mo.is_file()
        po = copy / "en" / "LC_MESSAGES" / "messages.po"
        po.write_text(po.read_text(encoding="utf-8").replace('msgstr "Apply"', 'msgstr "Apply now"', 1),
                      encoding="utf-8")
        old = mo.stat().st_mtime - 10
        os.utime(mo, (old, old))
        i18n._messages.cache_clear()
        assert translations("en")["f_apply"] == "Apply now"
        assert mo.stat().st_mtime > old
    finally:
        monkeypatch.undo()
        i18n._messages.cache_clear()
