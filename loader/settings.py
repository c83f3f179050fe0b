"""One settings object for the whole program.

Precedence, lowest first: the defaults below, environment variables `NOLSI_<FIELD>` (upper case),
then command-line options. The web app reads the same object, so a setting means the same thing
everywhere.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _help(text: str, **kwargs):
    return field(metadata={"help": text}, **kwargs)


@dataclass(frozen=True)
class Settings:
    data_dir: Path = _help("Folder of curated data files, one named graph each.", default=ROOT / "data")
    ontology_dir: Path = _help("Folder of the ontology, vocabularies and imports.", default=ROOT / "ontology")
    shapes_dir: Path = _help("Folder of SHACL shapes every build must pass.", default=ROOT / "shapes")
    queries_dir: Path = _help("Folder of saved SPARQL queries.", default=ROOT / "queries")
    store: Path = _help("Store folder: builds live in it, `current` points at the one served.", default=ROOT / "var" / "store")
    shapes: bool = _help("Validate with SHACL before building.", default=True)
    host: str = _help("Address to serve on.", default="127.0.0.1")
    port: int = _help("Port to serve on.", default=8000)
    workers: int = _help("Web worker processes.", default=2)
    threads: int = _help("Concurrent requests per worker, each with its own query evaluator.", default=4)
    cache_bytes: int = _help("Memory per worker for cached answers of the immutable release.", default=64_000_000)
    query_timeout: float = _help("Seconds a query may run before it is stopped.", default=30.0)
    row_limit: int = _help("Most result rows a query may return.", default=100_000)
    rate_limit: str = _help("Requests per client and worker, e.g. 600/minute; empty for none.", default="")
    max_request_bytes: int = _help("Largest request body accepted.", default=1_000_000)
    public_base: str = _help("Public base IRI the entity IRIs live under.", default="https://w3id.org/nolsi/")
    service_allowlist: tuple[str, ...] = _help("SPARQL endpoints SERVICE may call (comma-separated).", default=())
    backend: str = _help("SPARQL endpoint that holds the pushed release and answers every query; empty for the embedded store.", default="")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> "Settings":
        """Defaults, then `NOLSI_*` variables, then `overrides` (None values are ignored)."""
        environ = os.environ if environ is None else environ
        values = {}
        for f in dataclasses.fields(cls):
            raw = environ.get(f"NOLSI_{f.name.upper()}")
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
