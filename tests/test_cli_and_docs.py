"""Commands that set up the service, and the rule that every command is documented."""

from __future__ import annotations

import re

import click
from click.testing import CliRunner
from sqlalchemy import Engine, text

from pks_geo.cli import main
from pks_geo.config import PROJECT_ROOT

DOCS = PROJECT_ROOT / "docs"
CLI_REFERENCE = (DOCS / "cli.md").read_text()
API_REFERENCE = (DOCS / "api.md").read_text()
OPERATIONS = (DOCS / "operations.md").read_text()


def _commands(group: click.Group, prefix: str = "pks-geo") -> list[tuple[str, click.Command]]:
    commands = []
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            commands.extend(_commands(command, path))
        else:
            commands.append((path, command))
    return commands


def test_every_command_and_option_is_in_the_cli_reference() -> None:
    """docs/cli.md names every command as `pks-geo ...` (not merely as the start of a longer one:
    `pks-geo db up` is not `pks-geo db upgrade`) and, on that command's lines, each of its options."""
    missing = []
    for path, command in _commands(main):
        pattern = re.compile(re.escape(f"`{path}") + r"(?=[ `])")
        lines = "\n".join(line for line in CLI_REFERENCE.splitlines() if pattern.search(line))
        if not lines:
            missing.append(path)
            continue
        for param in command.params:
            if isinstance(param, click.Option) and not any(opt in lines for opt in param.opts):
                missing.append(f"{path} {param.opts[-1]}")
    assert missing == []


def _route_name(rule: str) -> str:
    """`/api/v1/incidents/<int:incident_id>` -> `/api/v1/incidents/<incident_id>`."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"<\1>", rule)


def test_every_route_and_method_is_in_the_api_reference(app) -> None:
    """docs/api.md names every route with each of its methods as `METHOD /path/<name>` (the url
    map's variable names; a query string may follow), so a new route or method fails this test."""
    undocumented = []
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            text = f"`{method} {_route_name(rule.rule)}"
            if not re.search(re.escape(text) + r"(?![\w/.<>-])", API_REFERENCE):
                undocumented.append(f"{method} {rule.rule}")
    assert undocumented == []


def test_every_openapi_parameter_is_in_the_api_reference(client) -> None:
    """Each query parameter of both OpenAPI documents (/api/v1 and the OGC API) is named in docs/api.md."""
    missing = set()
    for url in ("/api/v1/openapi.json", "/ogc/api"):
        document = client.get(url).get_json()
        for path, operations in document["paths"].items():
            for method, operation in operations.items():
                if not isinstance(operation, dict):
                    continue
                for parameter in operation.get("parameters", []):
                    if "$ref" in parameter:
                        parameter = document["components"]["parameters"][parameter["$ref"].rsplit("/", 1)[-1]]
                    name = parameter["name"]
                    if parameter.get("in") == "query" and f"`{name}" not in API_REFERENCE \
                            and f"{name}=" not in API_REFERENCE:
                        missing.add(f"{method.upper()} {path} {name}")
    assert sorted(missing) == []


def _settings() -> set[str]:
    """Every environment variable and app config key the code reads."""
    names = set()
    config = (PROJECT_ROOT / "pks_geo" / "config.py").read_text()
    names |= {f"PKS_GEO_{name}" for name in re.findall(r'(?<![.\w])get\("([A-Z_]+)"\)', config)}
    sources = [*(PROJECT_ROOT / "pks_geo").rglob("*.py"), *(PROJECT_ROOT / "scripts").glob("*.sh"),
               PROJECT_ROOT / "tests" / "conftest.py"]
    for source in sources:
        text = source.read_text()
        names |= set(re.findall(r"PKS_GEO_[A-Z][A-Z_0-9]*[A-Z0-9]", text))
        if source.suffix == ".py":
            names |= set(re.findall(r'config(?:\.get\(|\.setdefault\(|\[)"([A-Z][A-Z_]+)"', text))
            names |= set(re.findall(r'\("([A-Z_]+_MB)", "\w+"\)', text))  # the caches' config keys
    return names


def test_every_setting_is_in_operations() -> None:
    settings = _settings()
    assert {"PKS_GEO_DATABASE_URL", "PKS_GEO_TILE_ATTRIBUTION", "PKS_GEO_DATA_DIR", "PKS_GEO_PG_BINDIR",
            "PKS_GEO_TEST_DATABASE_URL", "SECURITY_DATA_DIR", "TILE_CACHE_MB", "EXPORT_MARKING"} <= settings
    missing = sorted(name for name in settings if f"`{name}`" not in OPERATIONS)
    assert missing == []


def _anchor(heading: str) -> str:
    """GitHub's anchor of a heading."""
    text = re.sub(r"[`*]", "", heading.strip()).lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def _anchors(path) -> set[str]:  # type: ignore[no-untyped-def]
    anchors, fenced = set(), False
    for line in path.read_text().splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (match := re.match(r"#{1,6} (.*)", line)):
            anchors.add(_anchor(match.group(1)))
    return anchors


def test_links_between_the_documents_resolve() -> None:
    """Every relative link of README.md and docs/*.md names a file that exists and, for a
    Markdown file, a heading it has."""
    broken = []
    for document in [PROJECT_ROOT / "README.md", *sorted(DOCS.glob("*.md"))]:
        for target in re.findall(r"\]\(([^)\s]+)\)", document.read_text()):
            if target.startswith(("http://", "https://", "mailto:")):
                continue
            path, _, anchor = target.partition("#")
            linked = (document.parent / path).resolve() if path else document
            if not linked.exists():
                broken.append(f"{document.name}: {target}")
            elif anchor and linked.suffix == ".md" and anchor not in _anchors(linked):
                broken.append(f"{document.name}: {target}")
    assert broken == []


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
