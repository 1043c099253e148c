"""UI text in Bahasa Indonesia (default) and English.

A small catalogue keyed by message id keeps both languages side by side, so a missing
translation is visible in review and in the test that compares the two key sets.
Language is chosen by ``?lang=`` (remembered in a cookie), else the configured default.
"""

from __future__ import annotations

from flask import request

LANGUAGES = ("id", "en")

CATALOGUE: dict[str, dict[str, str]] = {
    "app_title": {"id": "pks-geo — Peta Kerawanan Konflik Sosial",
                  "en": "pks-geo — Social Conflict Risk Map"},
    "region": {"id": "Batas wilayah belum dimuat", "en": "No boundaries loaded"},
    "layer_kecamatan": {"id": "Batas kecamatan", "en": "Kecamatan boundaries"},
    "layer_kecamatan_source": {"id": "Batas kecamatan (data sumber)",
                               "en": "Kecamatan boundaries (source data)"},
    "layer_desa": {"id": "Batas desa/kelurahan", "en": "Desa/kelurahan boundaries"},
    "layer_basemap": {"id": "Peta dasar", "en": "Basemap"},
    "loading": {"id": "Memuat data…", "en": "Loading data…"},
    "load_failed": {"id": "Gagal memuat data peta", "en": "Could not load map data"},
    "language": {"id": "Bahasa", "en": "Language"},
    "area_km2": {"id": "Luas (km²)", "en": "Area (km²)"},
    "kode": {"id": "Kode", "en": "Code"},
    "jenis": {"id": "Jenis", "en": "Type"},
    "kecamatan": {"id": "Kecamatan", "en": "Kecamatan"},
    "desa": {"id": "Desa/Kelurahan", "en": "Desa/Kelurahan"},
    "no_boundaries": {"id": "Belum ada batas wilayah. Jalankan: pks-geo demo",
                      "en": "No boundaries loaded yet. Run: pks-geo demo"},
    # --- map page: filter panel, legend, layers (web/static/js/map.js) ---
    "panel_title": {"id": "Filter peta", "en": "Map filters"},
    "f_level": {"id": "Tingkat wilayah", "en": "Area level"},
    "f_metric": {"id": "Ukuran", "en": "Measure"},
    "f_scheme": {"id": "Klasifikasi", "en": "Classification"},
    "f_k": {"id": "Jumlah kelas", "en": "Number of classes"},
    "f_breaks": {"id": "Batas kelas (manual, pisahkan dengan koma)",
                 "en": "Class breaks (manual, comma-separated)"},
    "f_from": {"id": "Dari tanggal", "en": "From date"},
    "f_to": {"id": "Sampai tanggal", "en": "To date"},
    "f_election": {"id": "Pemilihan", "en": "Election"},
    "f_stage": {"id": "Tahapan", "en": "Stage"},
    "f_kategori": {"id": "Kategori insiden", "en": "Incident category"},
    "f_verified": {"id": "Hanya yang terverifikasi", "en": "Verified only"},
    "f_smooth": {"id": "Haluskan laju (Empirical Bayes)", "en": "Smooth rates (empirical Bayes)"},
    "f_all": {"id": "— semua —", "en": "— all —"},
    "f_apply": {"id": "Terapkan", "en": "Apply"},
    "f_play": {"id": "▶ Putar per tahapan", "en": "▶ Play by stage"},
    "incidents_sample": {
        "id": "titik insiden: {shown} terbaru dari {total} (saring tanggal atau wilayah agar terlihat semua)",
        "en": "incident points: the latest {shown} of {total} (filter by date or area to see the rest)"},
    "incidents_sample_tiles": {
        "id": "titik insiden: {shown} terbaru dari {total}; "
              "nyalakan “{layer}” di daftar lapisan untuk melihat semuanya",
        "en": "incident points: the latest {shown} of {total}; "
              "switch on “{layer}” in the layer list to see them all"},
    "layer_incidents_all": {"id": "Semua titik insiden (tile)", "en": "All incident points (tiles)"},
    "incidents_cell": {"id": "{n} insiden di sekitar titik ini", "en": "{n} incidents around this point"},
    "f_stop": {"id": "■ Berhenti", "en": "■ Stop"},
    "f_share": {"id": "Salin tautan tampilan ini", "en": "Copy link to this view"},
    "f_copied": {"id": "Tautan disalin", "en": "Link copied"},
    "metric_count": {"id": "Jumlah insiden", "en": "Number of incidents"},
    "metric_per_1000_dpt": {"id": "Insiden per 1.000 pemilih (DPT)",
                            "en": "Incidents per 1,000 registered voters"},
    "metric_per_km2": {"id": "Insiden per km²", "en": "Incidents per km²"},
    "metric_meninggal": {"id": "Korban meninggal", "en": "Deaths"},
    "metric_luka": {"id": "Korban luka", "en": "Injured"},
    "scheme_quantiles": {"id": "Kuantil", "en": "Quantiles"},
    "scheme_fisher_jenks": {"id": "Fisher-Jenks (natural breaks)", "en": "Fisher-Jenks (natural breaks)"},
    "scheme_equal_interval": {"id": "Interval sama", "en": "Equal interval"},
    "scheme_manual": {"id": "Manual", "en": "Manual"},
    "stage_pendaftaran": {"id": "Pendaftaran", "en": "Registration"},
    "stage_kampanye": {"id": "Kampanye", "en": "Campaign"},
    "stage_masa_tenang": {"id": "Masa tenang", "en": "Quiet period"},
    "stage_pemungutan_suara": {"id": "Pemungutan suara", "en": "Voting"},
    "stage_rekapitulasi": {"id": "Rekapitulasi", "en": "Vote count"},
    "stage_pasca": {"id": "Pasca pemilihan", "en": "Aftermath"},
    "legend_title": {"id": "Legenda", "en": "Legend"},
    "legend_no_data": {"id": "Tidak ada data", "en": "No data"},
    "legend_zero": {"id": "Nol", "en": "Zero"},
    "tip_value": {"id": "Nilai", "en": "Value"},
    "tip_rank": {"id": "Peringkat", "en": "Rank"},
    "tip_incidents": {"id": "Insiden", "en": "Incidents"},
    "layer_choropleth": {"id": "Peta tematik (koroplet)", "en": "Choropleth"},
    "layer_incidents": {"id": "Titik insiden", "en": "Incident points"},
    "layer_tps": {"id": "TPS", "en": "Polling stations (TPS)"},
    "bad_filter": {"id": "Filter tidak valid", "en": "Invalid filter"},
    "bad_filter_field": {
        "id": "Filter tidak valid: isian \u201c{field}\u201d tidak dapat dipakai. Periksa nilainya.",
        "en": "Invalid filter: the field \u201c{field}\u201d cannot be used. Check its value."},
    "layer_hotspots": {"id": "Titik panas (Gi*)", "en": "Hot spots (Gi*)"},
    "layer_clusters": {"id": "Klaster insiden (DBSCAN)", "en": "Incident clusters (DBSCAN)"},
    "layer_heat": {"id": "Permukaan kepadatan (KDE)", "en": "Density surface (KDE)"},
    "layer_emerging": {"id": "Pola titik panas baru", "en": "Emerging hot spots"},
    "hot_3": {"id": "Titik panas 99 %", "en": "Hot spot 99 %"},
    "hot_2": {"id": "Titik panas 95 %", "en": "Hot spot 95 %"},
    "hot_1": {"id": "Titik panas 90 %", "en": "Hot spot 90 %"},
    "hot_0": {"id": "Tidak signifikan", "en": "Not significant"},
    "hot_-1": {"id": "Titik dingin 90 %", "en": "Cold spot 90 %"},
    "hot_-2": {"id": "Titik dingin 95 %", "en": "Cold spot 95 %"},
    "hot_-3": {"id": "Titik dingin 99 %", "en": "Cold spot 99 %"},
    "hot_value": {"id": "Nilai", "en": "Value"},
    "hot_neighbours": {"id": "Tetangga dan nilainya", "en": "Neighbours and their values"},
    "hot_insufficient": {"id": "Data terlalu sedikit untuk uji titik panas",
                         "en": "Too few incidents for a hot-spot test"},
    "cluster_tip": {"id": "{count} insiden, {first} s.d. {last}, terbanyak: {kategori}",
                    "en": "{count} incidents, {first} to {last}, mostly: {kategori}"},
    "heat_tip": {"id": "Kepadatan {lower}–{upper} insiden/km²",
                 "en": "Density {lower}–{upper} incidents/km²"},
    "emerging_new_hot": {"id": "Titik panas baru", "en": "New hot spot"},
    "emerging_consecutive_hot": {"id": "Titik panas berturut-turut", "en": "Consecutive hot spot"},
    "emerging_intensifying_hot": {"id": "Titik panas menguat", "en": "Intensifying hot spot"},
    "emerging_persistent_hot": {"id": "Titik panas menetap", "en": "Persistent hot spot"},
    "emerging_diminishing_hot": {"id": "Titik panas melemah", "en": "Diminishing hot spot"},
    "emerging_sporadic_hot": {"id": "Titik panas sporadis", "en": "Sporadic hot spot"},
    "emerging_oscillating_hot": {"id": "Titik panas berganti-ganti", "en": "Oscillating hot spot"},
    "emerging_historical_hot": {"id": "Titik panas historis", "en": "Historical hot spot"},
    "emerging_other": {"id": "Pola titik dingin / tanpa pola", "en": "Cold-spot pattern / no pattern"},
    "emerging_no_pattern": {"id": "Tanpa pola", "en": "No pattern"},
    "emerging_new_cold": {"id": "Titik dingin baru", "en": "New cold spot"},
    "emerging_consecutive_cold": {"id": "Titik dingin berturut-turut", "en": "Consecutive cold spot"},
    "emerging_intensifying_cold": {"id": "Titik dingin menguat", "en": "Intensifying cold spot"},
    "emerging_persistent_cold": {"id": "Titik dingin menetap", "en": "Persistent cold spot"},
    "emerging_diminishing_cold": {"id": "Titik dingin melemah", "en": "Diminishing cold spot"},
    "emerging_sporadic_cold": {"id": "Titik dingin sporadis", "en": "Sporadic cold spot"},
    "emerging_oscillating_cold": {"id": "Titik dingin berganti-ganti", "en": "Oscillating cold spot"},
    "emerging_historical_cold": {"id": "Titik dingin historis", "en": "Historical cold spot"},
    "emerging_rest": {"id": "{n} pola titik dingin lain", "en": "{n} other cold-spot patterns"},
    "layer_lisa": {"id": "Klaster LISA (Moran lokal)", "en": "LISA clusters (local Moran's I)"},
    "lisa_HH": {"id": "Tinggi–tinggi (klaster panas)", "en": "High–high (hot cluster)"},
    "lisa_HL": {"id": "Tinggi di antara rendah (pencilan)", "en": "High among low (outlier)"},
    "lisa_LH": {"id": "Rendah di antara tinggi (pencilan)", "en": "Low among high (outlier)"},
    "lisa_LL": {"id": "Rendah–rendah (klaster dingin)", "en": "Low–low (cold cluster)"},
    "lisa_ns": {"id": "Tidak signifikan", "en": "Not significant"},
    "layer_compare": {"id": "Perbandingan dua pemilihan (Gi*)", "en": "Two elections compared (Gi*)"},
    "compare_title": {"id": "{current} dibanding {previous}", "en": "{current} against {previous}"},
    "compare_need_election": {
        "id": "pilih satu Pemilihan di filter; pemilihan sebelumnya menjadi pembanding.",
        "en": "choose an Election in the filters; the one before it is compared with it."},
    "compare_with": {"id": "Dibanding dengan", "en": "Compared with"},
    "compare_auto": {"id": "Pemilihan sebelumnya ({name})", "en": "The election before ({name})"},
    "change_new_hot": {"id": "Menjadi titik panas", "en": "Became a hot spot"},
    "change_still_hot": {"id": "Tetap titik panas", "en": "Still a hot spot"},
    "change_cold_to_hot": {"id": "Dingin menjadi panas", "en": "Cold turned hot"},
    "change_no_longer_hot": {"id": "Tidak lagi titik panas", "en": "No longer a hot spot"},
    "change_none": {"id": "Tidak signifikan di keduanya", "en": "Not significant in either"},
    "change_no_longer_cold": {"id": "Tidak lagi titik dingin", "en": "No longer a cold spot"},
    "change_hot_to_cold": {"id": "Panas menjadi dingin", "en": "Hot turned cold"},
    "change_new_cold": {"id": "Menjadi titik dingin", "en": "Became a cold spot"},
    "change_still_cold": {"id": "Tetap titik dingin", "en": "Still a cold spot"},
    "cluster_legend": {"id": "Klaster (≥ {min} insiden, jarak {eps} m)",
                       "en": "Cluster (≥ {min} incidents within {eps} m)"},
    "cluster_in": {"id": "Insiden dalam klaster", "en": "Incidents in clusters"},
    "cluster_noise": {"id": "Insiden di luar klaster", "en": "Incidents outside clusters"},
    "heat_summary": {"id": "{n} insiden, lebar jendela {bandwidth} m (angka: jumlah bagian peta)",
                     "en": "{n} incidents, bandwidth {bandwidth} m (numbers: map parts)"},
    # failures in the page's language (web/static/js/common.js PKS.reason): the API answers in English
    "err_network": {"id": "server tidak menjawab; periksa jaringan lalu coba lagi",
                    "en": "no answer from the server; check the network and try again"},
    "err_400": {"id": "isian ditolak server (HTTP 400); periksa isiannya",
                "en": "the server refused the input (HTTP 400); check it"},
    "err_401": {"id": "belum masuk atau sesi berakhir (HTTP 401); silakan masuk lagi",
                "en": "not logged in or the session ended (HTTP 401); log in again"},
    "err_403": {"id": "peran Anda tidak mengizinkan ini (HTTP 403)",
                "en": "your role does not allow this (HTTP 403)"},
    "err_404": {"id": "tidak ditemukan (HTTP 404); mungkin sudah dihapus",
                "en": "not found (HTTP 404); it may have been deleted"},
    "err_413": {"id": "terlalu besar (HTTP 413)", "en": "too large (HTTP 413)"},
    "err_429": {"id": "terlalu banyak permintaan (HTTP 429); tunggu sebentar",
                "en": "too many requests (HTTP 429); wait a moment"},
    "err_5xx": {"id": "kesalahan di server (HTTP {status})", "en": "server error (HTTP {status})"},
    "err_other": {"id": "permintaan gagal (HTTP {status})", "en": "the request failed (HTTP {status})"},
    # --- briefings: print maps, embeds, self-contained HTML (pks_geo/maps/static.py, embed) ---
    "brief_per_level": {"id": "{metric} per {level}", "en": "{metric} per {level}"},
    "brief_level_kecamatan": {"id": "kecamatan", "en": "kecamatan"},
    "brief_level_desa": {"id": "desa/kelurahan", "en": "desa/kelurahan"},
    "brief_period": {"id": "Periode {first} s.d. {last}", "en": "Period {first} to {last}"},
    "brief_period_all": {"id": "Semua data ({first} s.d. {last})", "en": "All data ({first} to {last})"},
    "brief_period_from": {"id": "Sejak {first}", "en": "From {first}"},
    "brief_period_to": {"id": "Sampai {last}", "en": "Until {last}"},
    "brief_no_incidents": {"id": "tidak ada insiden yang cocok dengan filter",
                           "en": "no incidents match the filters"},
    "brief_n_incidents": {"id": "{n} insiden", "en": "{n} incidents"},
    "brief_all_kategori": {"id": "semua kategori", "en": "all categories"},
    "brief_area": {"id": "Wilayah", "en": "Area"},
    "brief_sources": {"id": "Sumber", "en": "Sources"},
    "brief_smoothed": {"id": "dihaluskan (Empirical Bayes)", "en": "smoothed (empirical Bayes)"},
    "brief_dpt_election": {"id": "DPT: {election}", "en": "Voters (DPT): {election}"},
    "brief_classes": {"id": "{scheme}, {k} kelas", "en": "{scheme}, {k} classes"},
    "brief_counts_note": {"id": "(angka dalam kurung: jumlah wilayah)",
                          "en": "(in brackets: number of areas)"},
    "brief_north": {"id": "U", "en": "N"},
    "brief_data_date": {"id": "Data per {date}", "en": "Data as of {date}"},
    "brief_printed": {"id": "dicetak {date}", "en": "printed {date}"},
    "brief_source_boundaries": {
        "id": "Batas wilayah: cahyadsn/wilayah_boundaries (lisensi MIT), kode Kepmendagri 300.2.2-2430/2025",
        "en": "Boundaries: cahyadsn/wilayah_boundaries (MIT licence), Kemendagri codes 300.2.2-2430/2025"},
    "brief_source_incidents": {"id": "Insiden: {sources}", "en": "Incidents: {sources}"},
    "brief_source_none": {"id": "belum ada", "en": "none yet"},
    "brief_atlas_title": {"id": "Kecamatan {nama} ({kode})", "en": "Kecamatan {nama} ({kode})"},
    "brief_page": {"id": "Halaman {n} dari {total}", "en": "Page {n} of {total}"},
    "brief_embed_denied": {"id": "Tautan sematan tidak sah atau sudah kedaluwarsa.",
                           "en": "This embed link is invalid or has expired."},
    "brief_offline_note": {"id": "Berkas mandiri: dapat dibuka tanpa jaringan.",
                           "en": "Self-contained file: opens without a network."},
    # --- login, roles, incident form (pks_geo/web/auth.py, incident_form.py) ---
    "auth_login_title": {"id": "Masuk", "en": "Log in"},
    "auth_username": {"id": "Nama pengguna", "en": "User name"},
    "auth_password": {"id": "Kata sandi", "en": "Password"},
    "auth_login_button": {"id": "Masuk", "en": "Log in"},
    "auth_login_failed": {"id": "Nama pengguna atau kata sandi salah, atau akun dinonaktifkan.",
                          "en": "Wrong user name or password, or the account is disabled."},
    "auth_login_needed": {"id": "Silakan masuk untuk melanjutkan.", "en": "Please log in to continue."},
    "auth_logout": {"id": "Keluar", "en": "Log out"},
    "auth_logged_in_as": {"id": "Masuk sebagai", "en": "Logged in as"},
    "auth_forbidden": {"id": "Akses ditolak: halaman ini memerlukan peran {role} atau lebih tinggi.",
                       "en": "Access denied: this page needs the role {role} or higher."},
    "auth_login_throttled": {"id": "Terlalu banyak percobaan masuk yang gagal untuk akun ini atau dari "
                                   "alamat ini. Coba lagi dalam {minutes} menit.",
                             "en": "Too many failed log-in attempts for this account or from this address. "
                                   "Try again in {minutes} minutes."},
    "auth_csrf_failed": {"id": "Formulir kedaluwarsa atau tidak sah; muat ulang halaman lalu coba lagi.",
                         "en": "The form has expired or is invalid; reload the page and try again."},
    "role_viewer": {"id": "pengamat", "en": "viewer"},
    "role_analyst": {"id": "analis", "en": "analyst"},
    "role_editor": {"id": "editor", "en": "editor"},
    "role_admin": {"id": "admin", "en": "admin"},
    "nav_map": {"id": "Peta", "en": "Map"},
    "nav_new_incident": {"id": "Catat insiden", "en": "Record incident"},
    "form_required": {"id": "Wajib diisi.", "en": "Required."},
    "form_new_title": {"id": "Catat insiden baru", "en": "Record a new incident"},
    "form_edit_title": {"id": "Ubah insiden", "en": "Edit incident"},
    "form_click_map": {"id": "Klik peta pada tempat kejadian untuk menandai lokasinya.",
                       "en": "Click the map where the incident happened to mark its place."},
    "form_event_date": {"id": "Tanggal kejadian", "en": "Date of the incident"},
    "form_kategori": {"id": "Kategori", "en": "Category"},
    "form_description": {"id": "Uraian (rahasia)", "en": "Description (sensitive)"},
    "form_actor1": {"id": "Pihak 1", "en": "Actor 1"},
    "form_actor2": {"id": "Pihak 2", "en": "Actor 2"},
    "form_meninggal": {"id": "Meninggal", "en": "Dead"},
    "form_luka": {"id": "Luka-luka", "en": "Injured"},
    "form_unknown_hint": {"id": "kosong = tidak diketahui", "en": "empty = unknown"},
    "form_sumber": {"id": "Sumber laporan", "en": "Reported by"},
    "form_place_name": {"id": "Nama tempat", "en": "Place name"},
    "form_lat": {"id": "Lintang", "en": "Latitude"},
    "form_lon": {"id": "Bujur", "en": "Longitude"},
    "form_location_precision": {"id": "Ketepatan lokasi", "en": "Location precision"},
    "precision_exact": {"id": "tepat di titik ini", "en": "exactly here"},
    "precision_near": {"id": "di sekitar titik ini", "en": "near this point"},
    "form_election": {"id": "Pemilihan", "en": "Election"},
    "form_stage": {"id": "Tahapan", "en": "Stage"},
    "form_status": {"id": "Status", "en": "Status"},
    "status_unverified": {"id": "belum diverifikasi", "en": "unverified"},
    "status_verified": {"id": "terverifikasi", "en": "verified"},
    "form_none": {"id": "— tidak ada —", "en": "— none —"},
    "form_choose": {"id": "— pilih —", "en": "— choose —"},
    "form_save": {"id": "Simpan", "en": "Save"},
    "form_delete": {"id": "Hapus insiden", "en": "Delete incident"},
    "form_delete_confirm": {"id": "Hapus insiden ini?", "en": "Delete this incident?"},
    "form_saved": {"id": "Insiden #{id} tersimpan.", "en": "Incident #{id} saved."},
    "form_deleted": {"id": "Insiden #{id} dihapus.", "en": "Incident #{id} deleted."},
    "form_has_errors": {"id": "Periksa isian yang ditandai.", "en": "Please check the marked fields."},
    "form_located_in": {"id": "Terletak di", "en": "Located in"},
    "form_saved_in": {"id": "Terletak di desa/kelurahan {desa}, kecamatan {kecamatan}.",
                      "en": "Placed in desa/kelurahan {desa}, kecamatan {kecamatan}."},
    "form_saved_at_desa": {"id": "Titiknya ditaruh di tengah desa (ketepatan: desa).",
                           "en": "Its point is the middle of the desa (precision: desa)."},
    "form_desa_pick": {"id": "Desa/kelurahan (cari nama)", "en": "Desa/kelurahan (search by name)"},
    "form_desa_pick_hint": {"id": "Tanpa titik di peta, insiden ditaruh di desa ini.",
                            "en": "Without a point on the map, the incident is placed in this desa."},
    "warning": {"id": "Peringatan", "en": "Warning"},
    "form_not_found": {"id": "Insiden tidak ditemukan.", "en": "Incident not found."},
    "form_auto": {"id": "— otomatis —", "en": "— automatic —"},
    "form_desa_layer": {"id": "Batas desa", "en": "Desa boundaries"},
    "form_point_missing": {"id": "Klik peta untuk menandai tempat kejadian.",
                           "en": "Click the map to mark where it happened."},
    # reason_<code>: a validator's reason code (pks_geo.ingest.reasons) in the page's language
    "reason_outside_area": {"id": "Di luar wilayah: titik ini tidak berada di desa mana pun yang dimuat.",
                            "en": "Outside the area: this point lies in no loaded desa."},
    "reason_date_in_future": {"id": "Tanggal tidak boleh di masa depan.",
                              "en": "The date cannot be in the future."},
    "reason_date_unreadable": {"id": "Tanggal tidak valid.", "en": "Not a valid date."},
    "reason_date_impossible": {"id": "Tanggal tidak valid.", "en": "Not a valid date."},
    "reason_negative_count": {"id": "Jumlah tidak boleh negatif (kosongkan bila tidak diketahui).",
                              "en": "A count cannot be negative (leave empty when unknown)."},
    "reason_not_a_number": {"id": "Harus bilangan bulat.", "en": "Must be a whole number."},
    "reason_not_whole": {"id": "Harus bilangan bulat.", "en": "Must be a whole number."},
    "reason_required": {"id": "Wajib diisi.", "en": "Required."},
    "reason_swapped": {"id": "Lintang dan bujur tertukar; sudah dibalik.",
                       "en": "Latitude and longitude were swapped; swapped back."},
    "nav_users": {"id": "Pengguna", "en": "Users"},
    "ogc_collections": {"id": "Koleksi", "en": "Collections"},
    "ogc_collection": {"id": "Koleksi", "en": "Collection"},
    "ogc_description": {"id": "Keterangan", "en": "Description"},
    "ogc_extent": {"id": "Cakupan (bujur/lintang)", "en": "Extent (lon/lat)"},
    "ogc_period": {"id": "Periode", "en": "Period"},
    "ogc_items": {"id": "Lihat fitur", "en": "Browse features"},
    "ogc_shown": {"id": "{returned} dari {matched} fitur", "en": "{returned} of {matched} features"},
    "ogc_shown_page": {"id": "{returned} fitur di halaman ini", "en": "{returned} features on this page"},
    "ogc_prev": {"id": "Sebelumnya", "en": "Previous"},
    "ogc_next": {"id": "Berikutnya", "en": "Next"},
    "ogc_links": {"id": "Tautan", "en": "Links"},
    "users_title": {"id": "Pengguna dan peran", "en": "Users and roles"},
    "users_intro": {"id": "Pengamat melihat peta agregat; analis juga rincian insiden dan ekspor; editor "
                          "juga mencatat dan mengubah insiden; admin juga mengelola pengguna.",
                    "en": "Viewers see aggregated maps; analysts also incident details and exports; "
                          "editors also record and edit incidents; admins also manage users."},
    "users_name": {"id": "Nama pengguna", "en": "User name"},
    "users_role": {"id": "Peran", "en": "Role"},
    "users_status": {"id": "Status", "en": "Status"},
    "users_created": {"id": "Dibuat", "en": "Created"},
    "users_actions": {"id": "Tindakan", "en": "Actions"},
    "users_active": {"id": "aktif", "en": "active"},
    "users_inactive": {"id": "nonaktif", "en": "disabled"},
    "users_add_title": {"id": "Tambah pengguna", "en": "Add a user"},
    "users_password_optional": {"id": "Kata sandi (kosongkan agar dibuatkan)",
                                "en": "Password (leave empty to have one generated)"},
    "users_add": {"id": "Tambah", "en": "Add"},
    "users_set_role": {"id": "Ubah peran", "en": "Change role"},
    "users_disable": {"id": "Nonaktifkan", "en": "Disable"},
    "users_enable": {"id": "Aktifkan", "en": "Enable"},
    "users_reset_password": {"id": "Buat kata sandi baru", "en": "New password"},
    "users_reset_confirm": {"id": "Buat kata sandi baru untuk {name}? Kata sandi lama tidak berlaku lagi.",
                            "en": "Make a new password for {name}? The old one stops working."},
    "users_added": {"id": "Pengguna {name} ditambahkan sebagai {role}.",
                    "en": "User {name} added as {role}."},
    "users_role_set": {"id": "Peran {name} sekarang {role}.", "en": "{name} is now {role}."},
    "users_disabled": {"id": "{name} dinonaktifkan: tidak bisa masuk, tokennya tidak berlaku.",
                       "en": "{name} disabled: cannot log in, their tokens stop working."},
    "users_enabled": {"id": "{name} diaktifkan kembali.", "en": "{name} enabled again."},
    "users_new_password": {"id": "Kata sandi untuk {name} (hanya ditampilkan sekali, sampaikan secara "
                                 "aman):",
                           "en": "Password for {name} (shown only once; pass it on safely):"},
    "users_bad_name": {"id": "2–100 huruf, angka, '.', '_', '-', '@'; diawali huruf atau angka.",
                       "en": "2–100 letters, digits, '.', '_', '-', '@'; starting with a letter or digit."},
    "users_exists": {"id": "Nama pengguna ini sudah ada.", "en": "This user name already exists."},
    "users_bad_role": {"id": "Peran tidak dikenal.", "en": "Unknown role."},
    "users_short_password": {"id": "Kata sandi minimal {n} karakter.",
                             "en": "The password needs at least {n} characters."},
    "users_not_yourself": {"id": "Anda tidak dapat menonaktifkan atau menurunkan peran akun Anda sendiri.",
                           "en": "You cannot disable or demote your own account."},
    "users_unknown": {"id": "Pengguna tidak ditemukan.", "en": "No such user."},
}


def current_language(default: str = "id") -> str:
    lang = request.args.get("lang") or request.cookies.get("lang") or default
    return lang if lang in LANGUAGES else default


def translations(lang: str) -> dict[str, str]:
    return {key: texts[lang] for key, texts in CATALOGUE.items()}


def _merge_cockpit() -> None:
    """The cockpit's texts live in their own module (:mod:`pks_geo.web.i18n_cockpit`)."""
    from pks_geo.web.i18n_cockpit import COCKPIT

    clash = set(COCKPIT) & set(CATALOGUE)
    assert not clash, f"message ids defined twice: {sorted(clash)}"
    CATALOGUE.update(COCKPIT)


_merge_cockpit()


def _merge_pages() -> None:
    """The layout's and the cockpit part 1 pages' texts: :mod:`pks_geo.web.i18n_pages`."""
    from pks_geo.web.i18n_pages import PAGES

    clash = set(PAGES) & set(CATALOGUE)
    assert not clash, f"message ids defined twice: {sorted(clash)}"
    CATALOGUE.update(PAGES)


_merge_pages()


def _merge_data_pages() -> None:
    """The Insiden and Impor pages' texts: :mod:`pks_geo.web.i18n_data`."""
    from pks_geo.web.i18n_data import DATA_PAGES

    clash = set(DATA_PAGES) & set(CATALOGUE)
    assert not clash, f"message ids defined twice: {sorted(clash)}"
    CATALOGUE.update(DATA_PAGES)


_merge_data_pages()


def _merge_security() -> None:
    """The Rencana Pengamanan map's and sector sheets' texts: :mod:`pks_geo.web.i18n_security`."""
    from pks_geo.web.i18n_security import SECURITY

    clash = set(SECURITY) & set(CATALOGUE)
    assert not clash, f"message ids defined twice: {sorted(clash)}"
    CATALOGUE.update(SECURITY)


_merge_security()
