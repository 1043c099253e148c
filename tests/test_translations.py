"""The gettext catalogues (pks_geo/translations/<lang>/LC_MESSAGES/messages.po) are the UI's only
source of text (pages, scripts, and the sentences the statistics and planning layers write): both
languages carry the same message ids, none is empty, both ask for the same placeholders, and what the
pages get (translations()) is what the compiled .mo holds."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from pks_geo import catalogue
from pks_geo.web.i18n import LANGUAGES, catalogue_file, compile_catalogue, translations

PLACEHOLDER = re.compile(r"\{(\w*)[^{}]*\}")
LEFT_OUT = {("imp_reason_date_unreadable", "help"), ("imp_reason_date_impossible", "error")}
"""Values that are English text made by the validator (pks_geo/ingest/values.py): the Indonesian
message says the same in its own words instead of showing them."""


def _po(lang: str) -> dict[str, str]:
    """The ``.po``'s texts; a plural message's singular under ``key#one`` (English only)."""
    with catalogue_file(lang).open("rb") as handle:
        return catalogue.as_texts(read_po(handle, locale=lang))


def _keys(lang: str) -> set[str]:
    """Message ids (a plural message once)."""
    return {key for key in _po(lang) if catalogue.PLURAL_MARK not in key}


def test_both_languages_have_the_same_messages_none_empty_none_fuzzy() -> None:
    catalogues = {lang: _po(lang) for lang in LANGUAGES}
    assert len(catalogues["id"]) > 500
    for lang, messages in catalogues.items():
        for other in LANGUAGES:
            missing = sorted(_keys(other) - _keys(lang))
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
    for key, text in ens.items():  # a singular form asks for what its plural asks for
        if "#" in key and set(PLACEHOLDER.findall(text)) != set(PLACEHOLDER.findall(ens[key.split("#")[0]])):
            base = ens[key.split("#")[0]]
            differ[key] = (sorted(PLACEHOLDER.findall(text)), sorted(PLACEHOLDER.findall(base)))
    assert not differ, differ
    # and every text formats with its own placeholders (a stray brace would raise here)
    for messages in (ids, ens):
        for text in messages.values():
            names = set(PLACEHOLDER.findall(text))
            if names and "" not in names:
                text.format(**dict.fromkeys(names, 1))


def test_indonesian_catalogue_shows_translators_the_english_text() -> None:
    with catalogue_file("id").open("rb") as handle:
        catalogue = read_po(handle, locale="id")
    english = _po("en")
    for message in catalogue:
        if message.id:
            key = message.id[0] if isinstance(message.id, tuple) else message.id
            assert " ".join(message.auto_comments).replace("English: ", "", 1).split() == \
                english[str(key)].split(), message.id


def test_pages_get_what_the_compiled_catalogue_holds(tmp_path: Path) -> None:
    for lang in LANGUAGES:
        compiled = compile_catalogue(lang, tmp_path / lang / "messages.mo")
        with compiled.open("rb") as handle:
            mo = catalogue.as_texts(read_mo(handle))
        assert mo == translations(lang) == _po(lang)
    assert translations("id")["f_apply"] == "Terapkan" and translations("en")["f_apply"] == "Apply"


def test_a_missing_or_stale_mo_is_compiled_on_first_use(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A plain clone has no .mo (git-ignored); an edited .po is newer than its .mo."""
    copy = tmp_path / "translations"
    shutil.copytree(catalogue.TRANSLATIONS_DIR, copy, ignore=shutil.ignore_patterns("*.mo"))
    monkeypatch.setattr(catalogue, "TRANSLATIONS_DIR", copy)
    catalogue.messages.cache_clear()
    try:
        assert translations("en")["f_apply"] == "Apply"
        mo = copy / "en" / "LC_MESSAGES" / "messages.mo"
        assert mo.is_file()
        po = copy / "en" / "LC_MESSAGES" / "messages.po"
        po.write_text(po.read_text(encoding="utf-8").replace('msgstr "Apply"', 'msgstr "Apply now"', 1),
                      encoding="utf-8")
        old = mo.stat().st_mtime - 10
        os.utime(mo, (old, old))
        catalogue.messages.cache_clear()
        assert translations("en")["f_apply"] == "Apply now"
        assert mo.stat().st_mtime > old
    finally:
        monkeypatch.undo()
        catalogue.messages.cache_clear()


def test_flask_babel_follows_the_page_language(app) -> None:  # type: ignore[no-untyped-def]
    """gettext and Babel's formats in a request use ?lang=, then the cookie, then the default (id)."""
    from datetime import date

    import flask_babel

    from pks_geo.web.page_format import format_date, format_number

    cases = [("/", {}, "Terapkan", "1.234,5", "17 Agu 2019"),
             ("/?lang=en", {}, "Apply", "1,234.5", "17 Aug 2019"),
             ("/", {"Cookie": "lang=en"}, "Apply", "1,234.5", "17 Aug 2019"),
             ("/?lang=xx", {}, "Terapkan", "1.234,5", "17 Agu 2019")]
    for url, headers, text, number, day in cases:
        with app.test_request_context(url, headers=headers):
            assert flask_babel.gettext("f_apply") == text, url
            assert flask_babel.format_decimal(1234.5) == number, url
            assert format_number(1234.5, decimals=1) == number and format_date(date(2019, 8, 17)) == day
            assert flask_babel.format_date(date(2019, 8, 17), "d MMM y") == day


def test_numbers_and_dates_per_language_as_before() -> None:
    """Babel writes what the pages wrote by hand (docs/UI.md), rounding as Python does."""
    from datetime import UTC, date, datetime

    from pks_geo.formats import format_date, format_moment, format_number

    assert [format_number(1234.5, lang, 1) for lang in LANGUAGES] == ["1.234,5", "1,234.5"]
    assert [format_number(1_234_567, lang) for lang in LANGUAGES] == ["1.234.567", "1,234,567"]
    assert format_number(2.675, "en", 2) == f"{2.675:.2f}" and format_number(None, "id") == "–"
    assert [format_date(date(2019, m, 1), "id")[2:5] for m in (5, 8, 10, 12)] == ["Mei", "Agu", "Okt", "Des"]
    assert format_date("2019-04-17", "en") == "17 Apr 2019"
    assert format_moment(datetime(2019, 4, 17, 6, 5, tzinfo=UTC), "id") == "17 Apr 2019 14:05 WITA"


EMBED_TEXTS = {"value": "tip_value", "incidents": "tip_incidents", "counts_note": "brief_counts_note",
               "failed": "load_failed", "note": None}
"""embed.js reads a small dict under its own names (pks_geo/maps/view_data.py, pks_geo/web/embed.py);
``note`` is composed of catalogue texts there."""


def test_scripts_read_their_texts_from_the_catalogue() -> None:
    """The app's scripts show no text of their own: every ``t.key`` / ``texts["key"]`` they read is a
    message of the catalogue the page embeds (templates pass the rest as data-* attributes)."""
    from pks_geo.config import PROJECT_ROOT

    keys = set(translations("id"))
    pattern = re.compile(r"\b(?:t|T|texts)(?:\.([a-z][a-z0-9_]*)\b|\[\"([a-z][a-z0-9_]*)\"\])")
    seen = 0
    for script in sorted((PROJECT_ROOT / "web" / "static" / "js").glob("*.js")):
        used = {a or b for a, b in pattern.findall(script.read_text(encoding="utf-8"))}
        if script.name == "embed.js":
            assert set(EMBED_TEXTS) >= used, sorted(used - set(EMBED_TEXTS))
            used = {EMBED_TEXTS[name] for name in used if EMBED_TEXTS[name]}
        assert used <= keys, (script.name, sorted(used - keys))
        seen += len(used)
    assert seen > 100


def test_lower_layers_sentences_come_from_the_catalogue() -> None:
    """Hot-spot explanations, TPS risk factors, metric labels, legend and outage texts: catalogue keys
    with a prefix (pks_geo.catalogue.by_language / by_key), not dicts in the code."""
    from pks_geo.planning.risk import TEXTS
    from pks_geo.queries.disclosure import LABELS
    from pks_geo.stats.aggregate import METRIC_LABELS
    from pks_geo.stats.hotspot_text import TEXT
    from pks_geo.web.outage import TEXTS as OUTAGE

    for lang in LANGUAGES:
        texts = translations(lang)
        assert TEXTS[lang]["incidents_none"] == texts["risk_incidents_none"]
        assert TEXT[lang]["summary_gi"] == texts["hs_summary_gi"] and len(TEXT[lang]) > 30
        assert METRIC_LABELS["count"][lang] == texts["agg_metric_count"]
        assert LABELS[lang] == texts["disclosure_suppressed"] and OUTAGE[lang][0] == texts["outage_title"]
    assert TEXT["id"]["hot_3"] == "Titik panas 99 %" and TEXT["en"]["hot_3"] == "Hot spot 99 %"


def test_counted_nouns_follow_the_language_plural_rules() -> None:
    """English says "1 incident" and "2 incidents"; Indonesian has one form (CLDR, through Babel)."""
    en, id_ = translations("en"), translations("id")
    assert [catalogue.plural(en, "n_incidents", n, "en").format(n=n) for n in (0, 1, 2)] == \
        ["0 incidents", "1 incident", "2 incidents"]
    assert [catalogue.plural(id_, "n_incidents", n, "id").format(n=n) for n in (1, 2)] == \
        ["1 insiden", "2 insiden"]
    for lang in LANGUAGES:  # every plural message has its "other" form under the key itself
        with catalogue_file(lang).open("rb") as handle:
            plurals = [m.id[0] for m in read_po(handle, locale=lang) if isinstance(m.id, tuple)]
        assert "b_count" in plurals and all(key in translations(lang) for key in plurals)
