"""The `nolsi` command.

Every option is generated from a `Settings` field, so the help text, the default and the
`NOLSI_*` variable of an option cannot drift apart from the settings object the code uses.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import sys
from pathlib import Path

import click

from loader import pipeline, read, store
from loader.settings import Settings

FIELDS = {f.name: f for f in dataclasses.fields(Settings)}
FLAG_NAMES = {"shapes": "--shapes/--no-shapes"}


def settings_options(*names: str):
    """Add one click option per named `Settings` field."""

    def decorate(command):
        for name in reversed(names):
            f = FIELDS[name]
            default = f.default if f.default is not dataclasses.MISSING else None
            kind = {"Path": click.Path(path_type=Path), "int": int, "float": float, "bool": bool}.get(f.type, str)
            command = click.option(
                FLAG_NAMES.get(name, "--" + name.replace("_", "-")),
                name,
                type=kind,
                default=None,
                envvar=f"NOLSI_{name.upper()}",
                show_envvar=True,
                help=f"{f.metadata['help']} [default: {_shown(default)}]",
            )(command)
        return command

    return decorate


def _shown(value) -> str:
    if isinstance(value, Path):
        try:
            return str(value.relative_to(Path.cwd()))
        except ValueError:
            return str(value)
    return str(value)


def _settings(**options) -> Settings:
    return Settings.from_env(**options)


def _progress(message: str) -> None:
    if sys.stderr.isatty():
        click.secho(f"  {message}", err=True, dim=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """nolsi: the knowledge graph of Norwegian life-science research infrastructures."""


BUILD_OPTIONS = ("store", "data_dir", "shapes_dir", "ontology_dir", "shapes")


@main.command()
@settings_options(*BUILD_OPTIONS)
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
def build(files: tuple[Path, ...], **options) -> None:
    """Read, validate and write a new store, then switch it in.

    With FILES (any RDF syntax), build a store of those files instead of the curated data.
    """
    settings = _settings(**options)
    summary = _run(lambda: pipeline.build(settings, list(files) or None, _progress))
    click.echo(f"built {summary.version}: {summary}")
    click.echo(f"store: {summary.path}")
    click.echo(f"release: {summary.release}")


@main.command("validate")
@settings_options("data_dir", "shapes_dir", "ontology_dir")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
def validate_command(files: tuple[Path, ...], **options) -> None:
    """Read and validate, write nothing, print the report."""
    settings = _settings(**options)
    _, report, summary = _run(lambda: pipeline.check(settings, list(files) or None, _progress))
    for result in report.results:
        click.echo(str(result))
    click.echo(f"valid: {summary}")


@main.command()
@settings_options("host", "port", "store", "workers", "threads", "query_timeout", "row_limit")
def serve(**options) -> None:
    """Serve the store under gunicorn, building it first if there is none."""
    settings = _settings(**options)
    try:
        store.resolve(settings.store)
    except store.StoreError:
        click.echo(f"no store in {settings.store}, building it first", err=True)
        summary = _run(lambda: pipeline.build(settings, None, _progress))
        click.echo(f"built {summary.version}: {summary}", err=True)
    gunicorn = shutil.which("gunicorn", path=os.path.dirname(sys.executable)) or "gunicorn"
    argv = [
        gunicorn,
        "--bind", f"{settings.host}:{settings.port}",
        "--workers", str(settings.workers),
        "--worker-class", "gthread",
        "--threads", str(settings.threads),
        "--access-logfile", "-",
        "--no-control-socket",
        "sparql_api:create_app()",
    ]
    os.execve(gunicorn, argv, {**os.environ, **settings.to_env()})


class Failure(click.ClickException):
    """A user-caused failure: its message alone on stderr, exit status 1, no traceback."""

    def show(self, file=None) -> None:
        click.echo(self.message, err=True)


def _run(step):
    """Run a pipeline step, turning the errors users cause into a `Failure`."""
    try:
        return step()
    except read.ReadError as error:
        raise Failure(str(error)) from None
    except pipeline.ValidationFailed as error:
        for result in error.report.results:
            click.echo(str(result), err=True)
        raise Failure(f"nolsi: validation failed with {error}; the store was not changed") from None
    except store.StoreError as error:
        raise Failure(f"nolsi: {error}") from None


if __name__ == "__main__":
    main()
