"""The ``pks-geo`` command line: database, boundaries, demo data and the web server.

Every command works on the database named by ``PKS_GEO_DATABASE_URL`` when it is set,
else on the project-managed local PostGIS (started on demand). Expected failures
(bad settings, bad files, unreachable database) become one clear message and exit 1.

Subcommands are imported only when they run: the statistics, map and export stacks
(GeoPandas, PySAL, matplotlib, numba) took 4 s and 500 MB before ``pks-geo --help`` printed a
line, and every import from the shell paid for them. ``--help`` lists the commands from
:data:`COMMANDS`, whose one-line help a test keeps equal to each command's own.
"""

from __future__ import annotations

import importlib

import click

COMMANDS: dict[str, tuple[str, str]] = {
    "db": ("pks_geo.cli_commands.db:db", "Local PostGIS cluster and schema migrations."),
    "boundaries": ("pks_geo.cli_commands.boundaries:boundaries",
                   "Load and check administrative boundaries (kabupaten, kecamatan, desa)."),
    "serve": ("pks_geo.cli_commands.serve:serve",
              "Serve the web app with waitress (a production WSGI server that runs on any OS)."),
    "demo": ("pks_geo.cli_commands.serve:demo",
             "Start the database, migrate, load the boundaries, the elections and the demo data."),
    "elections": ("pks_geo.cli_commands.elections:elections",
                  "Elections and their stage windows (pendaftaran, kampanye, masa tenang, ...)."),
    "incidents": ("pks_geo.cli_commands.incidents:incidents",
                  "Incident records: import and locate in desa/kecamatan."),
    "tps": ("pks_geo.cli_commands.tps:tps", "Polling stations (TPS): import per election."),
    "users": ("pks_geo.cli_commands.users:users",
              "User accounts and roles (viewer < analyst < editor < admin)."),
    "tokens": ("pks_geo.cli_commands.users:tokens",
               "API tokens, sent as 'Authorization: Bearer <token>' (only their SHA-256 is stored)."),
    "views": ("pks_geo.cli_commands.views:views",
              "Saved views: a metric, filters, classification and extent under a short id."),
    "maps": ("pks_geo.cli_commands.maps:maps",
             "Briefing maps: print a saved view (or 'default') as PNG, PDF, atlas or HTML."),
    "synth": ("pks_geo.cli_commands.synth:synth",
              "Generate N synthetic incidents and TPS inside the loaded areas (set-based in PostGIS)."),
    "export": ("pks_geo.cli_commands.export:export",
               "Export DATASET (choropleth, hotspots, incidents, tps, patrol-plan) to a file."),
    "roads": ("pks_geo.cli_commands.roads:roads",
              "Road network for patrol routes (pgRouting): load a roads file, or remove it."),
    "security": ("pks_geo.cli_commands.security:security",
                 "Security planning: data files, TPS risk, manual categories, personnel."),
}
"""Command name -> (``module:attribute`` of the click command, its one-line help)."""


class LazyGroup(click.Group):
    """A click group that imports a subcommand's module only when that subcommand is used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attribute = COMMANDS[cmd_name][0].split(":")
        command = getattr(importlib.import_module(module), attribute)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of ``--help`` from :data:`COMMANDS`, without importing any of them."""
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="pks-geo")
def main() -> None:
    """pks-geo: conflict and election-security mapping on PostGIS."""


if __name__ == "__main__":
    main()
