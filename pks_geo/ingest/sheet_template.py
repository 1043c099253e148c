"""The district team's incident sheet as an XLSX template they can start filling in.

The team keeps its incidents in spreadsheets. A template with exactly the column names the
importer reads (FORMATS.md, section 2), one filled example row and a second sheet that
explains every column in Bahasa Indonesia means the first import works without a call to
the developers; the ``kategori`` column offers the taxonomy's labels as a drop-down, so the
most common rejection (an unknown category) cannot happen by typing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from pks_geo.ingest.taxonomy import Taxonomy, load_taxonomy

DATA_SHEET = "Insiden"
HELP_SHEET = "Petunjuk"
KATEGORI_SHEET = "Kategori"
VALIDATED_ROWS = 5000  # rows below the header that offer the kategori drop-down


@dataclass(frozen=True)
class TemplateColumn:
    """One column of the sheet: its name, the example row's value and what to write in it."""

    name: str
    example: object
    required: str
    explanation: str


COLUMNS: tuple[TemplateColumn, ...] = (
    TemplateColumn("id", "TT-2024-001", "tidak wajib",
                   "Nomor rujukan tim sendiri. Tetap sama bila berkas diimpor ulang, sehingga baris "
                   "itu diperbarui dan tidak tercatat dua kali. Kosong: dibuat dari isi baris."),
    TemplateColumn("tanggal", "2024-11-20", "wajib",
                   "Tanggal kejadian: 2024-11-20, 20/11/2024 atau 20-11-2024."),
    TemplateColumn("kategori", "Intimidasi/ancaman", "wajib",
                   "Jenis insiden: pilih dari daftar (lembar 'Kategori'); kode seperti "
                   "'intimidasi' juga diterima."),
    TemplateColumn("deskripsi", "Tim sukses calon mengancam warga di dekat TPS 003.", "tidak wajib",
                   "Uraian singkat. Bisa memuat nama orang: hanya analis yang dapat melihatnya."),
    TemplateColumn("lat", -4.36498, "salah satu lokasi",
                   "Lintang (WGS 84, derajat desimal, negatif di selatan khatulistiwa), mis. "
                   "-4,36498 atau -4.36498. Kosong bila tidak diketahui."),
    TemplateColumn("lon", 122.01847, "salah satu lokasi",
                   "Bujur (WGS 84, derajat desimal), mis. 122,01847. Bila lat dan lon tertukar, "
                   "aplikasi membetulkannya dan memberi peringatan."),
    TemplateColumn("kode_desa", "74.05.12.2004", "salah satu lokasi",
                   "Kode Kemendagri desa/kelurahan (74.05.12.2004, dengan atau tanpa titik). "
                   "Tanpa koordinat, insiden ditempatkan pada desa ini."),
    TemplateColumn("desa", "Lambandia", "salah satu lokasi",
                   "Nama desa/kelurahan seperti biasa ditulis ('Ds. Lambandia', 'LAMBANDIA'). "
                   "Isi juga kolom kecamatan: beberapa desa bernama sama."),
    TemplateColumn("kecamatan", "Lalembuu", "disarankan", "Nama kecamatan tempat desa itu berada."),
    TemplateColumn("meninggal", 0, "tidak wajib",
                   "Jumlah korban meninggal. Kosong berarti tidak diketahui (bukan nol)."),
    TemplateColumn("luka", 2, "tidak wajib",
                   "Jumlah korban luka. Kosong berarti tidak diketahui (bukan nol)."),
    TemplateColumn("sumber", "Laporan Polsek Lalembuu", "tidak wajib",
                   "Sumber informasi: laporan Polsek, media, Bawaslu, warga."),
    TemplateColumn("tahapan", "kampanye", "tidak wajib",
                   "Tahapan pemilihan bila diketahui (pendaftaran, kampanye, masa tenang, "
                   "pemungutan suara, rekapitulasi, pasca). Kosong: diisi dari kalender pemilihan "
                   "menurut tanggal."),
)

HELP_INTRO = (
    "Templat lembar insiden Tim Terpadu Penanganan Konflik Sosial untuk pks-geo. Isi satu baris "
    "per insiden pada lembar 'Insiden' (baris contoh boleh dihapus atau ditimpa). Lokasi wajib "
    "ada: koordinat lat/lon, atau kode_desa, atau nama desa (dengan kecamatan). Impor melalui "
    "halaman Impor dengan 'Periksa dulu' untuk melihat baris yang ditolak beserta alasannya "
    "sebelum menyimpan."
)


def build_incident_template(taxonomy: Taxonomy | None = None) -> Workbook:
    """The template workbook: data sheet with the example row, help sheet, kategori list."""
    taxonomy = taxonomy or load_taxonomy()
    book = Workbook()
    data: Any = book.active  # a new workbook's one worksheet
    data.title = DATA_SHEET
    data.append([c.name for c in COLUMNS])
    data.append([c.example for c in COLUMNS])
    header_fill = PatternFill("solid", fgColor="DDE6F0")
    for cell in data[1]:
        cell.font = Font(bold=True)
        cell.fill = header_fill
    for column, spec in zip(data.iter_cols(min_row=1, max_row=1), COLUMNS, strict=True):
        data.column_dimensions[column[0].column_letter].width = max(12, min(40, len(str(spec.example)) + 2))
    data.freeze_panes = "A2"

    kategori = book.create_sheet(KATEGORI_SHEET)
    kategori.append(["label", "kode", "English"])
    for code, labels in taxonomy.labels.items():
        kategori.append([labels["id"], code, labels.get("en", "")])
    kategori.column_dimensions["A"].width = 48
    kategori.column_dimensions["B"].width = 20
    kategori.column_dimensions["C"].width = 40
    column_letter = data.cell(row=1, column=[c.name for c in COLUMNS].index("kategori") + 1).column_letter
    choice = DataValidation(type="list", allow_blank=True,
                            formula1=f"={KATEGORI_SHEET}!$A$2:$A${len(taxonomy.labels) + 1}")
    choice.error = "Pilih kategori dari daftar pada lembar 'Kategori'."
    choice.errorTitle = "Kategori tidak dikenal"
    choice.showErrorMessage = False  # codes and aliases are accepted by the importer too
    data.add_data_validation(choice)
    choice.add(f"{column_letter}2:{column_letter}{VALIDATED_ROWS + 1}")

    help_sheet = book.create_sheet(HELP_SHEET, 1)
    help_sheet.append([HELP_INTRO])
    help_sheet.append([])
    help_sheet.append(["kolom", "wajib?", "isi", "contoh"])
    for cell in help_sheet[3]:
        cell.font = Font(bold=True)
    for spec in COLUMNS:
        help_sheet.append([spec.name, spec.required, spec.explanation, str(spec.example)])
    help_sheet.column_dimensions["A"].width = 14
    help_sheet.column_dimensions["B"].width = 18
    help_sheet.column_dimensions["C"].width = 90
    help_sheet.column_dimensions["D"].width = 30
    for row in help_sheet.iter_rows(min_row=1):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    return book


def write_incident_template(target: Path | BinaryIO, taxonomy: Taxonomy | None = None) -> None:
    """Write the template to a path or an open binary stream (a download response)."""
    build_incident_template(taxonomy).save(target)
