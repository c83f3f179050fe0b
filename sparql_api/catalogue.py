"""Saved queries: `queries/<name>.rq` files with a `#+` metadata header, and their typed parameters.

    #+ title: Services that may store data of a classification level
    #+ description: Platforms whose highest allowed level is at least the given one.
    #+ tags: services, classification
    #+ param: level type=concept scheme=data-classification required example=red
    SELECT ... WHERE { ... ?level ... }

A parameter value is checked against its type, becomes an RDF term, and replaces the query
variable of the same name (sparql_api/binding.py, SEP-0007): no value, however hostile, can
change what the query is. A bound parameter is a constant, so it cannot stand in `BOUND(?param)`
or a VALUES header; an optional parameter's test is written `COALESCE(test, true)`, true while
it is unbound. A query file that breaks these rules is refused at load.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pyoxigraph
import rdflib.namespace
from pyoxigraph import Literal, NamedNode
from rdflib.namespace import SKOS

from loader.namespaces import ID, NOLSI, VOCAB
from loader.typed import solutions
from sparql_api import binding

Term = NamedNode | Literal

XSD = str(rdflib.namespace.XSD)
TYPES = ("iri", "entity", "concept", "string", "integer", "decimal", "date", "boolean", "enum")
NAME = re.compile(r"^[a-z][a-z0-9-]*$")
VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*$")
MAX_VALUE_LENGTH = 2000


def _typed(datatype: str, canonical=lambda raw: raw):
    return lambda raw: Literal(canonical(raw), datatype=NamedNode(XSD + datatype))


# The types checked by their lexical form: a pattern, what a value that misses it is not, the term.
LEXICAL = {
    "iri": (IRI, "is not an absolute IRI", NamedNode),
    "integer": (re.compile(r"[+-]?[0-9]{1,18}"), "is not an integer", _typed("integer", lambda raw: str(int(raw)))),
    # the xsd:decimal lexical space: no exponent, so no huge expansions
    "decimal": (
        re.compile(r"[+-]?([0-9]{1,30}(\.[0-9]{0,10})?|\.[0-9]{1,10})"),
        "is not a finite decimal number such as 3.5",
        _typed("decimal"),
    ),
    "date": (
        re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}"),
        "is not a date as YYYY-MM-DD",
        _typed("date", lambda raw: date.fromisoformat(raw).isoformat()),
    ),
    "boolean": (
        re.compile(r"(?i:true|false|1|0)"),
        "is not true or false",
        _typed("boolean", lambda raw: "true" if raw.lower() in ("true", "1") else "false"),
    ),
}


class QueryFileError(Exception):
    """A saved-query file that does not follow the format; raised at load, with file and line."""


class ParameterError(ValueError):
    """A parameter value that does not fit its declaration."""

    def __init__(self, parameter: str, message: str, accepts: str):
        self.parameter, self.accepts = parameter, accepts
        super().__init__(message)


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    required: bool = False
    default: str | None = None
    example: str | None = None
    description: str = ""
    values: tuple[str, ...] = ()
    namespace: str = ""  # entity: the IRI prefix of the kind; concept: the scheme's namespace
    language: str | None = None

    def accepts(self) -> str:
        """What a valid value looks like, in words, for error messages and documentation."""
        if self.values:
            return "one of: " + ", ".join(self.values)
        return {
            "iri": "an absolute IRI, e.g. https://w3id.org/nolsi/id/ri/elixir-norway",
            "entity": f"a slug or an IRI under {self.namespace}",
            "string": f"text of at most {MAX_VALUE_LENGTH} characters",
            "integer": "an integer, e.g. 42",
            "decimal": "a decimal number, e.g. 3.5",
            "date": "a date as YYYY-MM-DD",
            "boolean": "true or false",
        }[self.type]

    def bind(self, raw: str) -> Term:
        """Check `raw` and return the term to bind."""
        if len(raw) > MAX_VALUE_LENGTH:
            raise self._error(f"is {len(raw)} characters long; the limit is {MAX_VALUE_LENGTH}")
        if "\x00" in raw:
            raise self._error("contains a NUL character")
        if self.type in ("concept", "enum") or self.values:
            if raw not in self.values:
                raise self._error(f"{raw!r} is not allowed")
            return NamedNode(self.namespace + raw) if self.type == "concept" else Literal(raw)
        if self.type == "entity":
            iri = raw if raw.startswith(self.namespace) else self.namespace + raw
            if not NAME.match(iri[len(self.namespace) :]):
                raise self._error(f"{raw!r} is not a slug or an IRI under {self.namespace}")
            return NamedNode(iri)
        if self.type == "string":
            return Literal(raw, language=self.language) if self.language else Literal(raw)
        pattern, problem, make = LEXICAL[self.type]
        if not pattern.fullmatch(raw):
            raise self._error(f"{raw!r} {problem}")
        try:
            return make(raw)
        except ValueError:  # a date that matches the pattern but is no day of the calendar
            raise self._error(f"{raw!r} {problem}") from None

    def _error(self, problem: str) -> ParameterError:
        return ParameterError(
            self.name, f"parameter {self.name!r}: {problem}; expected {self.accepts()}", self.accepts()
        )

    def describe(self) -> dict:
        return {
            "name": self.name,
            "type": self.type,
            "required": self.required,
            "default": self.default,
            "example": self.example,
            "description": self.description,
            "values": list(self.values),
        }


@dataclass(frozen=True)
class SavedQuery:
    name: str
    title: str
    description: str
    tags: tuple[str, ...]
    parameters: tuple[Parameter, ...]
    text: str
    form: str  # SELECT, ASK, CONSTRUCT or DESCRIBE
    path: Path = field(compare=False)

    def examples(self) -> dict[str, str]:
        """Each parameter's example: what the query's page opens with and what its expected answer in
        tests/expected/ is computed for."""
        return {p.name: p.example for p in self.parameters if p.example is not None}

    def bindings(self, given: dict[str, str]) -> tuple[tuple[str, Term], ...]:
        """Check every given value and fill defaults; raise `ParameterError` naming the parameter."""
        known = {p.name: p for p in self.parameters}
        for name in given:
            if name not in known:
                accepted = ", ".join(known) or "no parameters"
                raise ParameterError(name, f"unknown parameter {name!r}; this query takes {accepted}", accepted)
        bound = []
        for parameter in self.parameters:
            raw = given.get(parameter.name, parameter.default)
            if raw is None or raw == "":
                if parameter.required:
                    raise ParameterError(
                        parameter.name,
                        f"parameter {parameter.name!r} is required; expected {parameter.accepts()}",
                        parameter.accepts(),
                    )
                continue
            bound.append((parameter.name, parameter.bind(raw)))
        return tuple(bound)

    def describe(self) -> dict:
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "tags": list(self.tags),
            "form": self.form,
            "parameters": [p.describe() for p in self.parameters],
        }


def load(queries_dir: Path, ontology_dir: Path) -> dict[str, SavedQuery]:
    """Every saved query of `queries_dir`, by name, checked; raise `QueryFileError` on the first bad file."""
    catalogue = {}
    for path in sorted(Path(queries_dir).glob("*.rq")):
        query = parse(path, ontology_dir)
        catalogue[query.name] = query
    return catalogue


def parse(path: Path, ontology_dir: Path) -> SavedQuery:
    name = path.stem
    if not NAME.match(name):
        raise QueryFileError(f"{path}: the file name must be lower-case words joined by hyphens")
    meta: dict[str, str] = {}
    parameters: list[Parameter] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.startswith("#+"):
            continue
        key, _, value = line[2:].partition(":")
        key, value = key.strip(), value.strip()
        if key == "param":
            parameters.append(_parameter(value, path, number, ontology_dir))
        elif key in ("title", "description", "tags"):
            meta[key] = (meta.get(key, "") + " " + value).strip()
        else:
            raise QueryFileError(f"{path}:{number}: unknown header field {key!r} (title, description, tags, param)")
    for required in ("title", "description"):
        if not meta.get(required):
            raise QueryFileError(f"{path}: the header needs a '#+ {required}:' line")
    text = path.read_text(encoding="utf-8")
    names = [p.name for p in parameters]
    if len(set(names)) != len(names):
        raise QueryFileError(f"{path}: a parameter is declared twice")
    for parameter in parameters:
        if not re.search(rf"[?$]{parameter.name}\b", text):
            raise QueryFileError(f"{path}: parameter {parameter.name!r} is not a variable of the query")
    try:
        form = _form(text, names)
    except SyntaxError as error:
        raise QueryFileError(
            f"{path}: not a valid SPARQL query once its parameters are bound "
            f"(no parameter in BOUND() or a VALUES header): {error}"
        ) from None
    tags = tuple(t.strip() for t in meta.get("tags", "").split(",") if t.strip())
    return SavedQuery(name, meta["title"], meta["description"], tags, tuple(parameters), text, form, path)


def _form(text: str, parameters: list[str]) -> str:
    """The query form, found by running the query on an empty store, as it is and with every
    parameter bound; that also checks that it parses both ways."""
    pyoxigraph.Store().query(text)
    result = pyoxigraph.Store().query(
        binding.write(text, {name: pyoxigraph.NamedNode("urn:nolsi:probe") for name in parameters})
    )
    if isinstance(result, pyoxigraph.QueryBoolean):
        return "ASK"
    if isinstance(result, pyoxigraph.QuerySolutions):
        return "SELECT"
    return "DESCRIBE" if re.search(r"\bDESCRIBE\b", text, re.IGNORECASE) else "CONSTRUCT"


def _parameter(spec: str, path: Path, number: int, ontology_dir: Path) -> Parameter:
    where = f"{path}:{number}"
    try:
        words = shlex.split(spec)
    except ValueError as error:
        raise QueryFileError(f"{where}: {error}") from None
    if not words or not VARIABLE.match(words[0]):
        raise QueryFileError(f"{where}: a param line starts with the variable name")
    options: dict[str, str] = {}
    flags = set()
    for word in words[1:]:
        key, eq, value = word.partition("=")
        if eq:
            options[key] = value
        else:
            flags.add(key)
    unknown = (set(options) - {"type", "default", "example", "values", "scheme", "kind", "lang", "description"}) | (
        flags - {"required"}
    )
    if unknown:
        raise QueryFileError(f"{where}: unknown parameter option(s) {', '.join(sorted(unknown))}")
    kind = options.get("type", "string")
    if kind not in TYPES:
        raise QueryFileError(f"{where}: type must be one of {', '.join(TYPES)}")
    values: tuple[str, ...] = tuple(v for v in options.get("values", "").split("|") if v)
    namespace = ""
    if kind == "concept":
        scheme = options.get("scheme")
        if not scheme:
            raise QueryFileError(f"{where}: a concept parameter names its scheme=")
        namespace, values = _scheme(scheme, ontology_dir, where)
    elif kind == "entity":
        if not options.get("kind"):
            raise QueryFileError(f"{where}: an entity parameter names its kind= (ri, service, law, ...)")
        namespace = f"{ID}{options['kind']}/"
    elif kind == "enum" and not values:
        raise QueryFileError(f"{where}: an enum parameter lists its values=a|b|c")
    parameter = Parameter(
        name=words[0],
        type=kind,
        required="required" in flags,
        default=options.get("default"),
        example=options.get("example"),
        description=options.get("description", ""),
        values=values,
        namespace=namespace,
        language=options.get("lang"),
    )
    for label in ("default", "example"):
        value = getattr(parameter, label)
        if value is not None:
            try:
                parameter.bind(value)
            except ParameterError as error:
                raise QueryFileError(f"{where}: the {label} does not fit: {error}") from None
    return parameter


def _scheme(scheme: str, ontology_dir: Path, where: str) -> tuple[str, tuple[str, ...]]:
    """The concepts of a SKOS scheme in `ontology/vocab/<scheme>.ttl`, by the local part of their IRI."""
    path = Path(ontology_dir) / "vocab" / f"{scheme}.ttl"
    if not path.is_file():
        raise QueryFileError(f"{where}: no vocabulary {path}")
    namespace = f"{VOCAB}{scheme}/"
    store = pyoxigraph.Store()
    store.load(path=path)
    concepts = solutions(
        store.query(
            f"SELECT ?c ?scheme WHERE {{ ?c a <{SKOS.Concept}> ; <{SKOS.inScheme}> ?scheme "
            f"OPTIONAL {{ ?c <{NOLSI.rank}> ?rank }} }} ORDER BY ?rank ?c",
            substitutions={pyoxigraph.Variable("scheme"): pyoxigraph.NamedNode(namespace)},
        )
    )
    values = tuple(s["c"].value[len(namespace) :] for s in concepts if s["c"].value.startswith(namespace))
    if not values:
        raise QueryFileError(f"{where}: the scheme {namespace} has no concepts in {path}")
    return namespace, values
