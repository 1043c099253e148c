"""The ``pks-geo`` command line: database, boundaries, demo data and the web server.

Every command works on the database named by ``PKS_GEO_DATABASE_URL`` when it is set,
else on the project-managed local PostGIS (started on demand). Expected failures
(bad settings, bad files, unreachable database) become one clear message and exit 1.
"""

from __future__ import annotations

import click

from pks_geo.cli_commands import boundaries, db, elections, incidents, serve, tps
from pks_geo.cli_commands.export import export
from pks_geo.cli_commands.maps import maps
from pks_geo.cli_commands.security import security
from pks_geo.cli_commands.synth import synth
from pks_geo.cli_commands.users import tokens, users
from pks_geo.cli_commands.views import views


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="pks-geo")
def main() -> None:
    """pks-geo: conflict and election-security mapping on PostGIS."""


main.add_command(db.db)
main.add_command(boundaries.boundaries)
main.add_command(serve.serve)
main.add_command(serve.demo)
main.add_command(elections.elections)
main.add_command(incidents.incidents)
main.add_command(tps.tps)
main.add_command(users)
main.add_command(tokens)
main.add_command(views)
main.add_command(maps)
main.add_command(synth)
main.add_command(export)
main.add_command(security)
