"""Commands that set up the service, and the rule that every command is documented."""

from __future__ import annotations

import re

import click
from click.testing import CliRunner
from sqlalchemy import Engine, text

from pks_geo.cli import main
from pks_geo.config import PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text()


def _command_paths(group: click.Group, prefix: str = "pks-geo") -> list[str]:
    paths = []
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            paths.extend(_command_paths(command, path))
        else:
            paths.append(path)
    return paths


def test_every_command_is_documented_in_the_readme() -> None:
    missing = [path for path in _command_paths(main) if f"`{path}" not in README]
    assert missing == []


def test_every_route_is_documented_in_the_readme(app) -> None:
    undocumented = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        stem = rule.rule.split("<")[0].rstrip("/") or "/"
        if stem not in README:
            undocumented.append(rule.rule)
    assert undocumented == []


def test_db_up_is_idempotent_and_prints_the_url_last() -> None:
    runner = CliRunner()
    first = runner.invoke(main, ["db", "up"], env={"PKS_GEO_DATABASE_URL": ""})
    second = runner.invoke(main, ["db", "up"], env={"PKS_GEO_DATABASE_URL": ""})
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    last = first.output.strip().splitlines()[-1]
    assert re.fullmatch(r"postgresql\+psycopg://pks_geo:[^@]+@127\.0\.0\.1:\d+/pks_geo", last)
    assert second.output.strip().splitlines()[-1] == last


def test_demo_sets_up_an_empty_database(empty_engine: Engine) -> None:
    url = empty_engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(main, ["demo"], env={"PKS_GEO_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    assert "demo ready" in result.output
    with empty_engine.connect() as conn:
        n_kec = conn.execute(text("SELECT count(*) FROM admin_area WHERE level = 'kecamatan'")).scalar()
        n_desa = conn.execute(text("SELECT count(*) FROM admin_area WHERE level = 'desa'")).scalar()
    assert (n_kec, n_desa) == (25, 351)
    check = CliRunner().invoke(main, ["boundaries", "check"], env={"PKS_GEO_DATABASE_URL": url})
    assert check.exit_code == 0 and "matches the manifest" in check.output
    status = CliRunner().invoke(main, ["db", "status"], env={"PKS_GEO_DATABASE_URL": url})
    assert status.exit_code == 0 and "schema revision: " in status.output


def test_lazy_command_table_matches_the_commands() -> None:
    """``pks-geo --help`` lists COMMANDS without importing them: their help must stay each command's own."""
    from pks_geo.cli import COMMANDS

    ctx = click.Context(main)
    for name, (_, short_help) in COMMANDS.items():
        command = main.get_command(ctx, name)
        assert command is not None and command.name == name
        assert command.get_short_help_str(limit=500) == short_help, name


def test_help_imports_no_heavy_library() -> None:
    """The statistics, map and web stacks load only in the commands that use them (issue 21)."""
    import subprocess
    import sys

    code = ("import sys; from pks_geo.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = ('geopandas', 'esda', 'libpysal', 'matplotlib', 'numba', 'flask', 'pandas', 'scipy')\n"
            "print('LOADED', sorted(m for m in heavy if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "Commands:" in out and "boundaries" in out and "LOADED []" in out
