"""One settings object for the whole program.

Precedence, lowest first: the defaults below, environment variables `NOLSI_<FIELD>` (upper case),
then command-line options. The web app reads the same object, so a setting means the same thing
everywhere.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loader.namespaces import BASE

CODE = Path(__file__).resolve().parent.parent
# In a checkout (and an editable install) data/, ontology/, shapes/, queries/ and node_modules/ sit beside
# the packages; an installed wheel carries them in nolsi_files/ (pyproject.toml), and keeps its store
# out of site-packages, in the user's data folder.
INSTALLED = (CODE / "nolsi_files").is_dir()
ROOT = CODE / "nolsi_files" if INSTALLED else CODE
STORE = (
    Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "nolsi" / "store"
    if INSTALLED
    else ROOT / "var" / "store"
)


def _help(text: str, **kwargs):
    return field(metadata={"help": text}, **kwargs)


@dataclass(frozen=True)
class Settings:
    data_dir: Path = _help("Folder of curated data files, one named graph each.", default=ROOT / "data")
    ontology_dir: Path = _help("Folder of the ontology, vocabularies and imports.", default=ROOT / "ontology")
    shapes_dir: Path = _help("Folder of SHACL shapes every build must pass.", default=ROOT / "shapes")
    queries_dir: Path = _help("Folder of saved SPARQL queries.", default=ROOT / "queries")
    store: Path = _help(
        "Store folder: builds, `current` (a link to the build served) and published releases; loader/layout.py.",
        default=STORE,
    )
    shapes: bool = _help("Validate with SHACL before building.", default=True)
    host: str = _help("Address to serve on.", default="127.0.0.1")
    port: int = _help("Port to serve on.", default=8000)
    workers: int = _help("Web worker processes (each with its own evaluators and cache).", default=1)
    threads: int = _help(
        "Requests a worker handles at once; more get 503 with Retry-After. Bodies are read before a thread is taken.",
        default=32,
    )
    evaluators: int = _help("Query evaluator processes per worker: queries that run at once.", default=8)
    queue_wait: float = _help(
        "Seconds a query may wait for a free evaluator before it gets 503 with Retry-After.", default=2.0
    )
    query_memory: int = _help(
        "Bytes of memory one query may take beyond its evaluator's own; past it the query is stopped with 503.",
        default=1 << 30,
    )
    answer_bytes: int = _help("Largest answer sent, in bytes, before the format's own overhead.", default=256 << 20)
    memory_quads: int = _help(
        "Releases of at most this many quads are queried from an in-memory copy; larger ones from disk.",
        default=500_000,
    )
    header_timeout: float = _help(
        "Seconds a client has to send its request headers, and then its request body.", default=10.0
    )
    cache_bytes: int = _help("Memory per worker for cached answers of the immutable release.", default=64_000_000)
    query_timeout: float = _help("Seconds a query may run before it is stopped.", default=30.0)
    row_limit: int = _help("Most result rows a query may return.", default=100_000)
    rate_limit: str = _help("Requests per client and worker, e.g. 600/minute; empty for none.", default="")
    max_request_bytes: int = _help("Largest request body accepted.", default=1_000_000)
    iri_base: str = _help(
        "Base of the IRIs a build mints: the dataset, its catalogue and VoID partitions, entity documents (doc/).",
        default=BASE,
    )
    base_url: str = _help(
        "Public URL of this deployment: the SPARQL endpoint and release downloads the descriptions name.",
        default=BASE,  # w3id.org redirects it to the deployment
    )
    service_allowlist: tuple[str, ...] = _help("SPARQL endpoints SERVICE may call (comma-separated).", default=())
    page_templates: str = _help(
        "Folder of page templates searched before the built-in ones: a type's page "
        "(types/PREFIX-Class.html) or any page restyled; empty for none.",
        default="",
    )
    backend: str = _help(
        "SPARQL endpoint that holds the pushed release and answers every query; empty for the embedded store.",
        default="",
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides) -> Settings:
        """Defaults, then `NOLSI_*` variables, then `overrides` (None values are ignored)."""
        variables = os.environ if environ is None else environ
        values: dict[str, Any] = {}  # each of its own field's type, checked by the dataclass
        for old, names in RENAMED.items():
            if variables.get(old) is not None:
                values.update(dict.fromkeys(names, variables[old]))
        for f in dataclasses.fields(cls):
            raw = variables.get(f"NOLSI_{f.name.upper()}")
            if raw is not None:
                values[f.name] = _coerce(f, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def to_env(self) -> dict[str, str]:
        """The settings as `NOLSI_*` variables, to hand to a child process such as gunicorn."""
        env = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, tuple):
                value = ",".join(value)
            elif isinstance(value, bool):
                value = "1" if value else "0"
            env[f"NOLSI_{f.name.upper()}"] = str(value)
        return env


# Variables of earlier versions, still read; the new ones win. NOLSI_PUBLIC_BASE was both bases.
RENAMED = {"NOLSI_PUBLIC_BASE": ("iri_base", "base_url")}


def _coerce(f: dataclasses.Field, raw: str):
    kind = f.type
    if kind in ("Path", Path):
        return Path(raw)
    if kind in ("bool", bool):
        if raw.lower() not in {"1", "0", "true", "false", "yes", "no"}:
            raise ValueError(f"NOLSI_{f.name.upper()} must be true or false, not {raw!r}")
        return raw.lower() in {"1", "true", "yes"}
    if kind in ("int", int):
        return int(raw)
    if kind in ("float", float):
        return float(raw)
    if kind.startswith("tuple"):
        return tuple(item.strip() for item in raw.split(",") if item.strip())
    return raw
