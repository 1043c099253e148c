"""Kemendagri area codes: normalising, levels, parents and desa/kelurahan type.

Codes are written ``74`` (provinsi), ``74.05`` (kabupaten/kota), ``74.05.01``
(kecamatan) and ``74.05.01.2001`` (desa/kelurahan). Users and other datasets often drop
the dots, so every importer goes through :func:`normalize_kode`.
"""

from __future__ import annotations

import re

SEGMENT_LENGTHS = (2, 2, 2, 4)
LEVEL_BY_SEGMENTS = {1: "provinsi", 2: "kabupaten", 3: "kecamatan", 4: "desa"}
SEGMENTS_BY_LEVEL = {v: k for k, v in LEVEL_BY_SEGMENTS.items()}
_DOTTED = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")


def normalize_kode(value: object) -> str | None:
    """Return the dotted code for ``74.05.01.2001``, ``7405012001`` or ``74.5.1.2001``-like input.

    Returns ``None`` when the value cannot be a Kemendagri code.
    """
    if value is None:
        return None
    text = str(value).strip()
    if text.endswith(".0") and text.replace(".", "").isdigit() and "." not in text[:-2]:
        text = text[:-2]  # numbers read from spreadsheets as floats
    if _DOTTED.match(text):
        return text
    if "." in text:
        parts = text.split(".")
        if len(parts) <= 4 and all(p.isdigit() for p in parts):
            padded = [p.zfill(n) for p, n in zip(parts, SEGMENT_LENGTHS, strict=False)]
            candidate = ".".join(padded)
            return candidate if _DOTTED.match(candidate) else None
        return None
    if text.isdigit() and len(text) in (2, 4, 6, 10):
        out, pos = [], 0
        for n in SEGMENT_LENGTHS:
            if pos >= len(text):
                break
            out.append(text[pos:pos + n])
            pos += n
        return ".".join(out)
    return None


def level_of(kode: str) -> str:
    return LEVEL_BY_SEGMENTS[kode.count(".") + 1]


def parent_of(kode: str) -> str | None:
    return kode.rsplit(".", 1)[0] if "." in kode else None


def jenis_of(kode: str) -> str:
    """desa/kelurahan/desa_adat by the first digit of the 4-digit suffix; kota by 71-79."""
    level = level_of(kode)
    if level == "desa":
        return {"1": "kelurahan", "2": "desa", "3": "desa_adat"}.get(kode[-4], "desa")
    if level == "kabupaten":
        return "kota" if kode[3] == "7" else "kabupaten"
    return level
