"""The `nolsi` command.

Every option is generated from a `Settings` field, so the help text, the default and the
`NOLSI_*` variable of an option cannot drift apart from the settings object the code uses.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path
from typing import ClassVar

import click

from loader import read, store
from loader.settings import Settings

FIELDS = {f.name: f for f in dataclasses.fields(Settings)}
FLAG_NAMES = {"shapes": "--shapes/--no-shapes"}
HEADER_BYTES = 64 * 1024  # granian's read buffer; a request line and headers past about 112 kB get 431 (measured)


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


class _Progress:
    """Progress lines on stderr when it is a terminal, each with the seconds since the start;
    transient ones (counters) overwrite each other. Nothing when stderr is not a terminal."""

    current: ClassVar[_Progress]  # the one the running command reports to

    def __init__(self) -> None:
        import time

        self.clock = time.perf_counter
        self.started = self.clock()
        self.on = sys.stderr.isatty()
        self.open = False  # a transient line is showing
        self.shown = 0.0  # when the last transient line was written

    def __call__(self, message: str, transient: bool = False) -> None:
        if not self.on:
            return
        now = self.clock()
        line = f"  {now - self.started:6.1f}s  {message}"
        if transient:
            if now - self.shown >= 0.1:  # at most ten a second
                click.secho(f"\r\x1b[K{line}", err=True, dim=True, nl=False)
                self.open, self.shown = True, now
            return
        click.secho(("\r\x1b[K" if self.open else "") + line, err=True, dim=True)
        self.open = False

    def done(self) -> None:
        if self.on and self.open:
            click.echo("\r\x1b[K", err=True, nl=False)
            self.open = False


def _progress(message: str, transient: bool = False) -> None:
    _Progress.current(message, transient)


_Progress.current = _Progress()


def _validator_option(command):
    return click.option(
        "--validator",
        type=click.Choice(["sparql", "pyshacl"]),
        default="sparql",
        envvar="NOLSI_VALIDATOR",
        show_envvar=True,
        help="SHACL engine: the shapes compiled to SPARQL and run by Oxigraph, or pySHACL, "
        "the reference implementation (slow on big graphs). [default: sparql]",
    )(command)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="nolsi", prog_name="nolsi", message="%(prog)s %(version)s")
def main() -> None:
    """nolsi: the knowledge graph of Norwegian life-science research infrastructures."""


BUILD_OPTIONS = ("store", "data_dir", "shapes_dir", "ontology_dir", "shapes")


@main.command()
@settings_options(*BUILD_OPTIONS)
@_validator_option
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
def build(files: tuple[Path, ...], validator: str, **options) -> None:
    """Read, validate and write a new store, then switch it in.

    With FILES (any RDF syntax), build a store of those files instead of the curated data.
    """
    settings = _settings(**options)
    _Progress.current = _Progress()
    summary = _run(lambda: _pipeline().build(settings, list(files) or None, _progress, validator))
    _Progress.current.done()
    click.echo(f"built {summary.version}: {summary}")
    click.echo(f"store: {summary.path}")
    click.echo(f"release: {summary.release}")


@main.command("validate")
@settings_options("data_dir", "shapes_dir", "ontology_dir")
@_validator_option
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
def validate_command(files: tuple[Path, ...], validator: str, **options) -> None:
    """Read and validate, write nothing, print the report."""
    settings = _settings(**options)
    _Progress.current = _Progress()
    _, report, summary = _run(lambda: _pipeline().check(settings, list(files) or None, _progress, validator))
    _Progress.current.done()
    for result in report.results:
        click.echo(str(result))
    click.echo(f"valid: {summary}")


@main.command()
@settings_options(
    "host",
    "port",
    "store",
    "workers",
    "threads",
    "evaluators",
    "query_timeout",
    "query_memory",
    "row_limit",
    "rate_limit",
    "max_request_bytes",
    "header_timeout",
    "page_templates",
    "backend",
)
def serve(**options) -> None:
    """Serve the store under granian, building it first if there is none.

    With --backend, every query goes to that SPARQL server instead, which must hold the release
    of this store (`nolsi push`); pages, dumps and limits stay here. To keep it running, run it
    under a supervisor that restarts it: deploy/nolsi.service is a systemd unit."""
    settings = _settings(**options)
    if not store.exists(settings.store):
        click.echo(f"no store in {settings.store}, building it first", err=True)
        summary = _run(lambda: _pipeline().build(settings, None, _progress))
        click.echo(f"built {summary.version}: {summary}", err=True)
    _run(lambda: store.check(store.resolve(settings.store)))
    argv = [
        # As a module: evaluators forked later re-import the main module by name, and
        # multiprocessing skips a `__main__` module (sparql_api/evaluator.py).
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "asgi",
        "--factory",
        "sparql_api.asgi:create",
        "--host",
        settings.host,
        "--port",
        str(settings.port),
        "--workers",
        str(settings.workers),
        "--http",
        "1",
        "--no-ws",
        "--loop",
        "uvloop",
        "--http1-header-read-timeout",
        str(int(min(settings.header_timeout, 60) * 1000)),
        "--http1-buffer-size",
        str(HEADER_BYTES),
        "--respawn-failed-workers",
        "--respawn-interval",
        "1",
        "--workers-kill-timeout",
        "10",
        "--log-level",
        "warning",
    ]
    os.execve(sys.executable, argv, {**os.environ, **settings.to_env()})


class Failure(click.ClickException):
    """A user-caused failure: its message alone on stderr, exit status 1, no traceback."""

    def show(self, file=None) -> None:
        click.echo(self.message, err=True)


@main.command()
@settings_options("store")
@click.option(
    "--to",
    "graph_store",
    required=True,
    metavar="URL",
    help="Graph Store HTTP Protocol endpoint of the server, e.g. http://127.0.0.1:7878/store (Oxigraph).",
)
def push(graph_store: str, **options) -> None:
    """Load the current release into an existing SPARQL server, graph by graph."""
    from loader.push import PushError
    from loader.push import push as push_release

    settings = _settings(**options)
    release = _run(lambda: store.release_of(settings.store))
    try:
        pushed = push_release(release, graph_store)
    except PushError as error:
        raise Failure(f"nolsi: {error}") from None
    click.echo(
        f"pushed {release.name}: {pushed.graphs} graphs and a default graph of {pushed.triples} triples "
        f"to {graph_store} in {pushed.seconds:.2f}s"
    )


@main.command("queries")
@settings_options("queries_dir", "ontology_dir")
def queries_command(**options) -> None:
    """List the saved queries and their parameters."""
    settings = _settings(**options)
    for query in _catalogue(settings).values():
        params = " ".join(f"{p.name}={p.type}{'*' if p.required else ''}" for p in query.parameters)
        click.echo(f"{query.name}\t{query.title}" + (f"\t[{params}]" if params else ""))


@main.command("query")
@settings_options("store", "queries_dir", "ontology_dir", "query_timeout", "row_limit")
@click.argument("name", required=False)
@click.option(
    "--param", "-p", "params", multiple=True, metavar="KEY=VALUE", help="A parameter value; repeat for several."
)
@click.option(
    "--sparql",
    "sparql",
    metavar="TEXT|FILE",
    help="Run this SPARQL query instead of a saved one: its text, a file that holds it, or - for standard input.",
)
@click.option(
    "--endpoint",
    metavar="URL",
    help="Ask this SPARQL 1.1 Protocol endpoint (a form POST) instead of the "
    "local store, e.g. http://127.0.0.1:8000/sparql.",
)
@click.option(
    "--format",
    "-f",
    "output",
    type=click.Choice(["table", "csv", "tsv", "json"]),
    default="table",
    show_default=True,
    help="Output format.",
)
def query_command(
    name: str | None, params: tuple[str, ...], sparql: str | None, endpoint: str | None, output: str, **options
) -> None:
    """Run saved query NAME, or the SPARQL of --sparql, against the local store or --endpoint.

    A saved query gets the same checks of its --param values as in the web API."""
    from sparql_api import binding, catalogue
    from sparql_api.service import Asked, QueryService, Unanswered

    if (name is None) == (sparql is None):
        raise click.UsageError("give either the NAME of a saved query or --sparql TEXT|FILE")
    settings = _settings(**options)
    if sparql is not None:
        if params:
            raise Failure("nolsi: --param is for saved queries; write the values into the --sparql query")
        text, bound = _sparql_text(sparql), ()
    else:
        saved = _catalogue(settings).get(name)
        if saved is None:
            raise Failure(f"nolsi: no saved query named {name!r}; `nolsi queries` lists them")
        given = {}
        for item in params:
            key, eq, value = item.partition("=")
            if not eq:
                raise Failure(f"nolsi: --param takes KEY=VALUE, not {item!r}")
            if key in given:
                raise Failure(f"nolsi: parameter {key!r} is given more than once")
            given[key] = value
        try:
            bound = saved.bindings(given)
        except catalogue.ParameterError as error:
            raise Failure(f"nolsi: {error}") from None
        text = saved.text
    fmt = "json" if output == "table" else output
    if endpoint:
        body, media_type, truncated = _ask(
            endpoint, binding.write(text, dict(bound)) if bound else text, fmt, settings.query_timeout
        )
        solutions = media_type == "application/sparql-results+json" and b'"bindings"' in body
    else:
        service = QueryService(settings, evaluators=1)
        try:
            build = _run(service.served)
            answer = service.answer(Asked(text, fmt, "turtle", substitutions=bound), build)
        except Unanswered as error:
            raise Failure(f"nolsi: {error}") from None
        finally:
            service.close()
        if answer.status != 200:
            raise Failure(f"nolsi: {answer.body.decode().strip()}")
        body, solutions, truncated = answer.body, answer.kind == "solutions", answer.truncated
    if output == "table" and solutions:
        click.echo(_table(body))
    else:
        click.echo(body.decode(), nl=False)
    if truncated:
        click.echo("nolsi: results cut at the row limit" + ("" if endpoint else f" of {settings.row_limit}"), err=True)


def _sparql_text(value: str) -> str:
    """The query of --sparql: standard input for -, the file it names if there is one, else the text itself."""
    if value == "-":
        return sys.stdin.read()
    if "\n" not in value and len(value) < 4096 and Path(value).is_file():
        try:
            return Path(value).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise Failure(f"nolsi: cannot read {value}: {error}") from None
    return value


ACCEPT = {  # what to ask a remote endpoint for: the chosen format for solutions, Turtle for graphs
    "json": "application/sparql-results+json, text/turtle;q=0.9",
    "csv": "text/csv, text/turtle;q=0.9",
    "tsv": "text/tab-separated-values, text/turtle;q=0.9",
}


def _ask(endpoint: str, query: str, fmt: str, timeout: float) -> tuple[bytes, str, bool]:
    """Send `query` to a SPARQL 1.1 Protocol endpoint (2.1.2, query via POST with URL-encoded parameters);
    return the body, its media type and whether the server says it cut the results."""
    import urllib.error
    import urllib.parse
    import urllib.request

    request = urllib.request.Request(
        endpoint,
        data=urllib.parse.urlencode({"query": query}).encode(),
        method="POST",
        headers={
            "Accept": ACCEPT[fmt],
            "Content-Type": "application/x-www-form-urlencoded",
            "User-Agent": f"nolsi/{_version()}",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout + 10) as response:
            body = response.read()
            truncated = response.headers.get("Result-Truncated", "").lower() == "true"
            return body, response.headers.get_content_type(), truncated
    except urllib.error.HTTPError as error:
        message = error.read(2000).decode("utf-8", "replace").strip().splitlines()
        raise Failure(f"nolsi: {endpoint} answered {error.code}: {message[0] if message else error.reason}") from None
    except (urllib.error.URLError, OSError) as error:
        raise Failure(f"nolsi: cannot reach {endpoint}: {getattr(error, 'reason', error)}") from None


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("nolsi")
    except PackageNotFoundError:
        return "0+unknown"


def _catalogue(settings: Settings):
    from sparql_api import catalogue

    try:
        return catalogue.load(settings.queries_dir, settings.ontology_dir)
    except catalogue.QueryFileError as error:
        raise Failure(f"nolsi: {error}") from None


def _table(body: bytes) -> str:
    """SPARQL JSON results as an aligned text table."""
    import json

    results = json.loads(body)
    names = results["head"]["vars"]
    rows = [[row.get(n, {}).get("value", "") for n in names] for row in results["results"]["bindings"]]
    widths = [max([len(n), *(len(r[i]) for r in rows)]) for i, n in enumerate(names)]
    lines = ["  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)), "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines) + f"\n({len(rows)} rows)"


def _run(step):
    """Run a pipeline step, turning the errors users cause into a `Failure`."""
    try:
        return step()
    except read.ReadError as error:
        raise Failure(str(error)) from None
    except store.StoreError as error:
        raise Failure(f"nolsi: {error}") from None
    except _pipeline().ValidationFailed as error:
        _Progress.current.done()
        for result in error.report.results:
            click.echo(str(result), err=True)
        raise Failure(f"nolsi: validation failed with {error}; the store was not changed") from None


def _pipeline():
    """The build pipeline, imported on first use: pySHACL and rdflib would add half a second to
    the start of every `nolsi serve` of a store that is already built."""
    from loader import pipeline

    return pipeline


if __name__ == "__main__":
    main()
