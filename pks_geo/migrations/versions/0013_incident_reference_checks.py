"""Incident references checked once per statement instead of once per row.

``incident.desa_kode``, ``kecamatan_kode`` and ``election_code`` were foreign keys. A
foreign key is checked by a row-level trigger: one index probe of ``admin_area`` or
``election`` per row and column, i.e. 300,000 probes for an import of 100,000 incidents
(about 0.6 s of server time, a fifth of the whole import). The codes of an import come
from our own locating join, and 100,000 rows name at most a few hundred distinct codes.

The same guarantee is now kept set-based:

* after every INSERT or UPDATE statement on ``incident``, one query over the statement's
  transition table locks the distinct referenced rows ``FOR KEY SHARE`` (exactly the lock
  a foreign key takes, so a concurrent delete of that desa or election waits for this
  transaction) and refuses the statement if any code is missing;
* deleting an ``admin_area`` or ``election`` row that an incident still names, changing
  such a row's code, or truncating either table while incidents name it, is refused.

Both raise SQLSTATE 23503 (``foreign_key_violation``), like the foreign keys did.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-28
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

FOREIGN_KEYS = (
    ("incident_desa_kode_fkey", "desa_kode", "admin_area", "kode"),
    ("incident_kecamatan_kode_fkey", "kecamatan_kode", "admin_area", "kode"),
    ("incident_election_code_fkey", "election_code", "election", "code"),
)

CHECK_NEW_ROWS = """
CREATE FUNCTION pks_incident_check_refs() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    missing record;
BEGIN
    PERFORM 1 FROM admin_area a
     WHERE a.kode IN (SELECT desa_kode FROM pks_new_incident
                      UNION SELECT kecamatan_kode FROM pks_new_incident)
     FOR KEY SHARE OF a;
    PERFORM 1 FROM election e
     WHERE e.code IN (SELECT election_code FROM pks_new_incident)
     FOR KEY SHARE OF e;
    SELECT r.col, r.code INTO missing FROM (
        SELECT 'desa_kode' AS col, c.code, 'admin_area' AS tab
          FROM (SELECT DISTINCT desa_kode AS code FROM pks_new_incident) c
         WHERE c.code IS NOT NULL AND NOT EXISTS (SELECT 1 FROM admin_area a WHERE a.kode = c.code)
        UNION ALL
        SELECT 'kecamatan_kode', c.code, 'admin_area'
          FROM (SELECT DISTINCT kecamatan_kode AS code FROM pks_new_incident) c
         WHERE c.code IS NOT NULL AND NOT EXISTS (SELECT 1 FROM admin_area a WHERE a.kode = c.code)
        UNION ALL
        SELECT 'election_code', c.code, 'election'
          FROM (SELECT DISTINCT election_code AS code FROM pks_new_incident) c
         WHERE c.code IS NOT NULL AND NOT EXISTS (SELECT 1 FROM election e WHERE e.code = c.code)
    ) r LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'insert or update on table "incident" violates a reference: %=% is not present',
            missing.col, missing.code
            USING ERRCODE = 'foreign_key_violation', TABLE = 'incident', COLUMN = missing.col;
    END IF;
    RETURN NULL;
END
$$
"""

def unused_check(function: str, table: str, key: str, old_rows: str, label: str,
                 columns: tuple[str, ...]) -> str:
    """A trigger function refusing to delete, re-code or truncate ``table`` rows that
    incidents name in ``columns`` (one EXISTS per column, so each uses its own index)."""
    any_named = " OR ".join(f"{c} IS NOT NULL" for c in columns)
    named_by_old = " OR ".join(f"i.{c} = OLD.{key}" for c in columns)
    named_by_deleted = "\n            OR ".join(
        f"EXISTS (SELECT 1 FROM incident i WHERE i.{c} = o.{key})" for c in columns)
    return f"""
CREATE FUNCTION {function}() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    used text;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        SELECT coalesce({", ".join(columns)}) INTO used FROM incident WHERE {any_named} LIMIT 1;
    ELSIF TG_OP = 'UPDATE' THEN
        IF OLD.{key} IS NOT DISTINCT FROM NEW.{key} THEN
            RETURN NULL;
        END IF;
        SELECT OLD.{key} INTO used FROM incident i WHERE {named_by_old} LIMIT 1;
    ELSE
        SELECT o.{key} INTO used FROM {old_rows} o
         WHERE {named_by_deleted} LIMIT 1;
    END IF;
    IF used IS NOT NULL THEN
        RAISE EXCEPTION '{label} % is still named by incidents', used
            USING ERRCODE = 'foreign_key_violation', TABLE = '{table}';
    END IF;
    RETURN NULL;
END
$$
"""


CHECK_AREA_GONE = unused_check("pks_admin_area_check_unused", "admin_area", "kode", "pks_old_area",
                               "area", ("desa_kode", "kecamatan_kode"))
CHECK_ELECTION_GONE = unused_check("pks_election_check_unused", "election", "code", "pks_old_election",
                                   "election", ("election_code",))

TRIGGERS = (
    """CREATE TRIGGER pks_incident_refs_insert AFTER INSERT ON incident
       REFERENCING NEW TABLE AS pks_new_incident
       FOR EACH STATEMENT EXECUTE FUNCTION pks_incident_check_refs()""",
    """CREATE TRIGGER pks_incident_refs_update AFTER UPDATE ON incident
       REFERENCING NEW TABLE AS pks_new_incident
       FOR EACH STATEMENT EXECUTE FUNCTION pks_incident_check_refs()""",
    """CREATE TRIGGER pks_area_refs_delete AFTER DELETE ON admin_area
       REFERENCING OLD TABLE AS pks_old_area
       FOR EACH STATEMENT EXECUTE FUNCTION pks_admin_area_check_unused()""",
    """CREATE TRIGGER pks_area_refs_rekey AFTER UPDATE OF kode ON admin_area
       FOR EACH ROW EXECUTE FUNCTION pks_admin_area_check_unused()""",
    """CREATE TRIGGER pks_area_refs_truncate BEFORE TRUNCATE ON admin_area
       FOR EACH STATEMENT EXECUTE FUNCTION pks_admin_area_check_unused()""",
    """CREATE TRIGGER pks_election_refs_delete AFTER DELETE ON election
       REFERENCING OLD TABLE AS pks_old_election
       FOR EACH STATEMENT EXECUTE FUNCTION pks_election_check_unused()""",
    """CREATE TRIGGER pks_election_refs_rekey AFTER UPDATE OF code ON election
       FOR EACH ROW EXECUTE FUNCTION pks_election_check_unused()""",
    """CREATE TRIGGER pks_election_refs_truncate BEFORE TRUNCATE ON election
       FOR EACH STATEMENT EXECUTE FUNCTION pks_election_check_unused()""",
)
DROPPED = (
    "DROP TRIGGER pks_incident_refs_insert ON incident",
    "DROP TRIGGER pks_incident_refs_update ON incident",
    "DROP TRIGGER pks_area_refs_delete ON admin_area",
    "DROP TRIGGER pks_area_refs_rekey ON admin_area",
    "DROP TRIGGER pks_area_refs_truncate ON admin_area",
    "DROP TRIGGER pks_election_refs_delete ON election",
    "DROP TRIGGER pks_election_refs_rekey ON election",
    "DROP TRIGGER pks_election_refs_truncate ON election",
    "DROP FUNCTION pks_incident_check_refs()",
    "DROP FUNCTION pks_admin_area_check_unused()",
    "DROP FUNCTION pks_election_check_unused()",
)


def upgrade() -> None:
    for name, *_ in FOREIGN_KEYS:
        op.drop_constraint(name, "incident", type_="foreignkey")
    for statement in (CHECK_NEW_ROWS, CHECK_AREA_GONE, CHECK_ELECTION_GONE, *TRIGGERS):
        op.execute(statement)


def downgrade() -> None:
    for statement in DROPPED:
        op.execute(statement)
    for name, column, table, key in FOREIGN_KEYS:
        op.create_foreign_key(name, "incident", table, [column], [key])
