"""Fuzzing the public surface of one live `nolsi serve` with Hypothesis (issue 8, part 1).

Every property sends generated requests to ONE server on the curated store (module fixture
`server`) and holds each answer to the same rules (`check`):

* no 5xx, except the documented 503 of the query time limit ("did not finish within");
* no dropped connection (a `requests`/`http.client` error fails the example);
* no traceback in the body (`Traceback`, `File "`);

and after each property the server still answers two simple queries with the answers it gave
before the fuzzing started (`Server.still_answers`). One more property runs in-process: the
SERVICE guard (rdflib) against the engine (Oxigraph) on tricky lexical input.

Hypothesis is bounded and reproducible: `derandomize=True` (the examples are a function of the
test), no example database, no deadline, and no shrinking (a failing example is reported as
found: shrinking against a live server can take minutes). Set NOLSI_FUZZ_EXAMPLES to scale every
property (default 1.0 = the counts below, ~200-300 per property).

Deterministic regression tests for the bugs the fuzzing and probing found sit at the end of the file.
"""

from __future__ import annotations

import os
import re
import socket
import string
import time
import uuid
from urllib.parse import parse_qsl, quote, quote_from_bytes, urlencode, urlsplit

import pyoxigraph
import pytest
import requests
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from loader.cli import HEADER_BYTES
from loader.settings import Settings
from sparql_api import catalogue, formats, guard
from tests.conftest import ROOT, serving

SCALE = float(os.environ.get("NOLSI_FUZZ_EXAMPLES", "1"))
QUERY_TIMEOUT = 3  # seconds; a generated query that runs away costs at most this
TIME_LIMIT_MESSAGE = "did not finish within"
REQUEST_LINE_LIMIT = HEADER_BYTES  # granian's buffer for the request head: a longer one is refused
TRACEBACK_MARKERS = (b"Traceback", b'File "')


def fuzz_settings(examples: int):
    return settings(
        max_examples=max(1, int(examples * SCALE)),
        deadline=None,
        derandomize=True,
        database=None,
        phases=(Phase.explicit, Phase.generate),
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )


# --- the server ----------------------------------------------------------------------------------

SIMPLE_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
SIMPLE_ASK = "ASK { <https://w3id.org/nolsi/id/ri/elixir-norway> ?p ?o }"


class Server:
    def __init__(self, base: str):
        self.base = base
        self.url = base + "/sparql"
        self.host, self.port = urlsplit(base).hostname, urlsplit(base).port
        self.session = requests.Session()
        self.baseline = self.simple_answers()

    def simple_answers(self) -> tuple[str, bool]:
        """The triple count and a known ASK, each with a fresh comment so no cache answers them."""
        count = requests.get(self.url, params={"query": f"{SIMPLE_COUNT} # {uuid.uuid4()}"}, timeout=30)
        ask = requests.post(self.url, data={"query": f"{SIMPLE_ASK} # {uuid.uuid4()}"}, timeout=30)
        assert count.status_code == 200 and ask.status_code == 200, (count.text, ask.text)
        return count.json()["results"]["bindings"][0]["n"]["value"], ask.json()["boolean"]

    def still_answers(self) -> None:
        assert self.simple_answers() == self.baseline, "the server answers a simple query differently after fuzzing"
        assert requests.get(self.base + "/-/health", timeout=30).json()["status"] == "ok"


@pytest.fixture(scope="module")
def server(curated) -> Server:
    """One server for the whole module, on the curated store, with a short query time limit."""
    with serving("--store", curated.store, "--query-timeout", str(QUERY_TIMEOUT)) as base:
        yield Server(base)


def check(status: int, body: bytes, what: object) -> None:
    """The rules every fuzzed answer must keep."""
    time_limit = status == 503 and TIME_LIMIT_MESSAGE.encode() in body
    assert status < 500 or time_limit, f"{status} for {what!r}: {body[:300]!r}"
    for marker in TRACEBACK_MARKERS:
        assert marker not in body, f"{marker!r} in the body of a {status} for {what!r}: {body[:500]!r}"


def check_response(response: requests.Response, what: object) -> None:
    check(response.status_code, response.content, what)


# --- what the generated requests are made of -------------------------------------------------------

QUERY_FILES = sorted((ROOT / "queries").glob("*.rq"))
REAL_QUERIES = [path.read_text(encoding="utf-8") for path in QUERY_FILES] + [
    "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 5",
    "ASK { ?s ?p ?o }",
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3",
    "DESCRIBE <https://w3id.org/nolsi/id/ri/elixir-norway>",
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY DESC(?n) LIMIT 3",
    'SELECT ?x WHERE { ?x <http://www.w3.org/2004/02/skos/core#prefLabel> ?l FILTER(REGEX(?l, "^E", "i")) } LIMIT 3',
]
TOKEN = re.compile(
    r'<[^<>\s]*>|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|[?$][A-Za-z_]\w*|[A-Za-z_][\w-]*:[\w-]*|\w+|\s+|.', re.S
)
KEYWORDS = (
    "SELECT",
    "ASK",
    "CONSTRUCT",
    "DESCRIBE",
    "WHERE",
    "FILTER",
    "OPTIONAL",
    "UNION",
    "MINUS",
    "GRAPH",
    "SERVICE",
    "SILENT",
    "BIND",
    "AS",
    "VALUES",
    "GROUP BY",
    "ORDER BY",
    "HAVING",
    "LIMIT",
    "OFFSET",
    "DISTINCT",
    "REDUCED",
    "PREFIX",
    "BASE",
    "FROM",
    "FROM NAMED",
    "NOT EXISTS",
    "EXISTS",
    "COUNT(*)",
    "GROUP_CONCAT",
    "REGEX",
    "STR",
    "LANG",
    "IRI",
    "BNODE",
    "NOW()",
    "RAND()",
    "UUID()",
    "SUBSTR",
    "CONCAT",
    "INSERT DATA",
    "DELETE WHERE",
    "LOAD",
    "CLEAR ALL",
    "a",
    "*",
    "+",
    "?",
    "|",
    "^",
    "/",
    "!",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ".",
    ";",
    ",",
    "=",
    "!=",
    "<",
    ">",
    "&&",
    "||",
    '"',
    "'",
    '"""',
    "#",
    "\\",
    "\\u0022",
    "\\U0001F9EC",
    "@en",
    "^^",
    "_:b",
    "[]",
    "()",
    "?x",
    "$y",
    "<>",
    "<urn:x>",
    "<http://127.0.0.1:9/x>",
    "1e999",
    "-0",
    "9999999999999999999999",
    "0x10",
    "true",
    "UNDEF",
    "\n",
    "\t",
    "\u00a0",
    "\u202e",
    "\ufeff",
    "\x00",
    "🧬",
    "Ø",
)
UNICODE_TEXT = st.text(st.characters(codec="utf-8"), min_size=1, max_size=12)


def tokens_of(text: str) -> list[str]:
    return TOKEN.findall(text)


@st.composite
def mutated_queries(draw) -> str:
    """A real query with 1 to 6 token edits: insert, delete, swap, duplicate, random unicode."""
    tokens = tokens_of(draw(st.sampled_from(REAL_QUERIES)))
    for _ in range(draw(st.integers(1, 6))):
        operation = draw(st.sampled_from(["insert", "delete", "swap", "duplicate", "unicode", "delete-run"]))
        at = draw(st.integers(0, max(len(tokens) - 1, 0)))
        if operation == "insert":
            tokens.insert(at, draw(st.sampled_from(KEYWORDS) | st.sampled_from(tokens or ["?x"])) + " ")
        elif operation == "unicode":
            tokens.insert(at, draw(UNICODE_TEXT))
        elif operation == "delete" and tokens:
            del tokens[at]
        elif operation == "delete-run" and tokens:
            del tokens[at : at + draw(st.integers(2, 40))]
        elif operation == "swap" and tokens:
            other = draw(st.integers(0, len(tokens) - 1))
            tokens[at], tokens[other] = tokens[other], tokens[at]
        elif operation == "duplicate" and tokens:
            tokens[at:at] = tokens[at : at + draw(st.integers(1, 20))]
    return "".join(tokens)


any_query = st.one_of(mutated_queries(), mutated_queries(), st.text(max_size=200), st.sampled_from(REAL_QUERIES))


def invalid_utf8(text: str, draw) -> bytes:
    """`text` as UTF-8 with byte sequences that are not UTF-8 put in at random places."""
    raw = bytearray(text.encode("utf-8"))
    for _ in range(draw(st.integers(1, 4))):
        bad = draw(
            st.sampled_from(
                [b"\xff", b"\xfe", b"\x80", b"\xc0\xae", b"\xe2\x82", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xc3"]
            )
        )
        at = draw(st.integers(0, len(raw)))
        raw[at:at] = bad
    return bytes(raw)


@st.composite
def raw_bodies(draw) -> bytes:
    kind = draw(st.sampled_from(["bytes", "invalid-utf8", "utf16", "utf32", "latin1"]))
    text = draw(any_query)
    if kind == "bytes":
        return draw(st.binary(max_size=3000))
    if kind == "invalid-utf8":
        return invalid_utf8(text, draw)
    if kind == "utf16":
        encoded = text.encode(draw(st.sampled_from(["utf-16", "utf-16-le", "utf-16-be"])), errors="surrogatepass")
        return encoded[: draw(st.integers(0, len(encoded)))] if draw(st.booleans()) else encoded  # odd lengths too
    if kind == "utf32":
        return text.encode("utf-32")
    return text.encode("latin-1", errors="replace")


CONTENT_TYPES = [
    "application/sparql-query",
    "application/sparql-query; charset=utf-8",
    "application/sparql-query;charset=UTF-8",
    'application/sparql-query; charset="utf-8"',
    "application/sparql-query; charset=utf-16",
    "application/sparql-query; charset=UTF-16LE",
    "application/sparql-query; charset=",
    "application/sparql-query; charset",
    "application/sparql-query; charset=utf-8; charset=latin-1",
    "application/sparql-query; q=0.5; boundary=x",
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=utf-8",
    "application/x-www-form-urlencoded; charset=utf-16",
    "application/x-www-form-urlencoded;;;",
    "APPLICATION/SPARQL-QUERY",
    "application/sparql-update",
    "application/sparql-update; charset=utf-8",
    "multipart/form-data; boundary=----x",
    "multipart/form-data",
    "text/plain",
    "application/json",
    "*/*",
    "",
    "application/",
    "/",
    ";",
    "application/sparql-query, application/x-www-form-urlencoded",
]
content_types = st.sampled_from(CONTENT_TYPES) | st.text(
    st.characters(min_codepoint=32, max_codepoint=126), max_size=60
)

PARAMETER_NAMES = [
    "query",
    "query",
    "query",
    "default-graph-uri",
    "named-graph-uri",
    "format",
    "output",
    "results",
    "update",
    "using-graph-uri",
    "using-named-graph-uri",
    "",
    "QUERY",
    "query[]",
    "query ",
    "%00",
    "timeout",
]
parameter_names = st.sampled_from(PARAMETER_NAMES) | st.text(max_size=10)
huge_values = st.builds(
    lambda piece, times: piece * times,
    st.sampled_from(["a", "é", "🧬", "%", " ", "{", "SELECT * "]),
    st.integers(2_000, 200_000),
)
parameter_values = st.one_of(
    any_query,
    any_query,
    st.text(max_size=40),
    st.sampled_from(
        [
            "json",
            "csv",
            "tsv",
            "xml",
            "ttl",
            "turtle",
            "application/sparql-results+json",
            "text/html",
            "http://example.org/g",
            "https://w3id.org/nolsi/graph/sources",
            "urn:x",
            "",
            " ",
            "\x00",
        ]
    ),
    huge_values,
)
ACCEPTS = [
    "application/sparql-results+json",
    "text/csv",
    "text/turtle",
    "*/*",
    "",
    "text/html",
    "image/png",
    "application/sparql-results+json;q=0",
    "*/*;q=nan",
    "*/*;q=inf",
    "text/csv;q=-1",
    "text/csv;q=1e999",
    "text/csv;q=",
    "text/csv;q=abc",
    ";;;",
    ",,,",
    "*",
    "*/",
    "/*",
    "text/*;q=0.5, */*;q=0.1",
    "application/json;charset=utf-8;q=0.9",
    "text/html, application/xhtml+xml, application/xml;q=0.9, */*;q=0.8",
    "a" * 3000,
    "text/csv;" + "x=y;" * 200,
]
accepts = st.sampled_from(ACCEPTS) | st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=80)


# --- /sparql -------------------------------------------------------------------------------------

TRANSPORTS = ("GET", "POST form", "POST direct")


def send_query(server: Server, transport: str, text: str, accept: str | None = None) -> requests.Response:
    headers = {"Accept": accept} if accept is not None else {}
    if transport == "GET":
        return server.session.get(server.url, params={"query": text}, headers=headers, timeout=60)
    if transport == "POST form":
        return server.session.post(server.url, data={"query": text}, headers=headers, timeout=60)
    headers["Content-Type"] = "application/sparql-query"
    return server.session.post(
        server.url, data=text.encode("utf-8", errors="surrogatepass"), headers=headers, timeout=60
    )


def test_mutated_and_random_queries(server: Server):
    """Real queries of queries/*.rq with inserted, deleted, swapped and duplicated tokens and random
    unicode, and random text, by GET, form POST and direct POST."""

    @fuzz_settings(250)
    @given(transport=st.sampled_from(TRANSPORTS), text=any_query)
    def prop(transport, text):
        check_response(send_query(server, transport, text), (transport, text))

    prop()
    server.still_answers()


def test_random_bytes_and_encodings_in_bodies(server: Server):
    """Random bytes, invalid UTF-8, UTF-16/32 and Latin-1 bodies, with every kind of Content-Type."""

    @fuzz_settings(300)
    @given(body=raw_bodies(), content_type=content_types, form=st.booleans(), percent=st.booleans())
    def prop(body, content_type, form, percent):
        if form:  # the same bytes as the value of a form's query parameter, escaped or raw
            body = b"query=" + (quote_from_bytes(body).encode() if percent else body)
        status, answer = raw_request(server, "POST", b"/sparql", {"Content-Type": content_type}, body)
        check(status, answer, (content_type, body[:200]))

    prop()
    server.still_answers()


GRAPH_IRIS = [
    "https://w3id.org/nolsi/graph/sources",
    "http://example.org/g",
    "urn:x",
    "https://w3id.org/nolsi/graph/",
    "",
    " ",
    "not an iri",
    "<http://example.org/g>",
    "http://exa mple.org/",
    "relative/graph",
    "_:b",
    "http://[::1/",
]
FORMAT_VALUES = [
    "json",
    "csv",
    "tsv",
    "xml",
    "ttl",
    "turtle",
    "nt",
    "jsonld",
    "rdfxml",
    "application/sparql-results+json",
    "text/csv",
    "text/html",
    "html",
    "",
    "JSON",
    "json;q=1",
    "*/*",
]


@st.composite
def protocol_parameters(draw) -> list[tuple[str, str]]:
    """The parameters of the protocol, each missing, once or repeated, in any order: mostly
    well-formed requests with one thing wrong, which reach deeper than random pairs."""
    pairs = [("query", draw(any_query)) for _ in range(draw(st.sampled_from([0, 1, 1, 1, 1, 2])))]
    for name in ("default-graph-uri", "named-graph-uri"):
        pairs += [
            (name, draw(st.sampled_from(GRAPH_IRIS) | st.text(max_size=20)))
            for _ in range(draw(st.sampled_from([0, 0, 1, 2])))
        ]
    for _ in range(draw(st.sampled_from([0, 0, 1, 2]))):
        pairs.append(
            (
                draw(st.sampled_from(["format", "output", "results"])),
                draw(st.sampled_from(FORMAT_VALUES) | st.text(max_size=10)),
            )
        )
    if draw(st.integers(0, 5)) == 0:
        pairs.append((draw(parameter_names), draw(parameter_values)))
    return draw(st.permutations(pairs))


@st.composite
def query_strings(draw) -> bytes:
    """A query string of repeated, missing and unknown parameters; values escaped properly, as raw
    bytes, or as percent-escapes of bytes that are not UTF-8."""
    pairs = draw(protocol_parameters() | st.lists(st.tuples(parameter_names, parameter_values), max_size=6))
    style = draw(st.sampled_from(["urlencode", "raw-bytes", "bad-escapes"]))
    if style == "urlencode":
        return urlencode(pairs).encode()
    if style == "bad-escapes":
        return b"&".join(
            quote(k).encode() + b"=" + quote_from_bytes(invalid_utf8(v[:500], draw)).encode() for k, v in pairs
        )
    raw = draw(st.binary(max_size=300))
    return b"&".join([quote(k).encode() + b"=" + quote(v[:300]).encode() for k, v in pairs] + [raw])


def test_repeated_missing_unknown_and_huge_parameters(server: Server):
    """Query strings and form bodies of any parameters, repeated or missing, with huge values."""

    @fuzz_settings(400)
    @given(query_string=query_strings(), method=st.sampled_from(["GET", "POST", "HEAD"]), accept=accepts)
    def prop(query_string, method, accept):
        if method == "POST":
            headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept}
            status, body = raw_request(server, "POST", b"/sparql", headers, query_string)
        else:
            status, body = raw_request(server, method, b"/sparql?" + query_string, {"Accept": accept})
        check(status, body, (method, summary(query_string)))

    prop()
    server.still_answers()


def summary(query_string: bytes) -> list[tuple[str, str]]:
    """A query string as its parameters, each value cut short: what a failure message shows."""
    return [
        (k, v[:80] + ("..." if len(v) > 80 else ""))
        for k, v in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    ]


def raw_request(
    server: Server, method: str, target: bytes, headers: dict | list, body: bytes = b""
) -> tuple[int, bytes]:
    """Send the request target exactly as given, with headers in order (repeats allowed); the
    status and body. A closed connection without an answer is a failure."""
    pairs = headers.items() if isinstance(headers, dict) else headers
    lines = [
        method.encode() + b" " + target + b" HTTP/1.1",
        f"Host: {server.host}:{server.port}".encode(),
        b"Connection: close",
    ]
    for name, value in pairs:
        lines.append(name.encode("latin-1") + b": " + value.encode("latin-1", errors="replace"))
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}".encode())
    data, refused = b"", None
    with socket.create_connection((server.host, server.port), timeout=60) as sock:
        try:
            sock.sendall(b"\r\n".join(lines) + b"\r\n\r\n" + body)
        except (BrokenPipeError, ConnectionResetError) as error:  # the server stopped reading: its answer may be there
            refused = error
        try:
            while chunk := sock.recv(65536):
                data += chunk
        except ConnectionResetError as error:
            refused = refused or error
    if not data and refused and len(lines[0]) > REQUEST_LINE_LIMIT:
        # the server refuses a request head over its limit and closes at once; a client still
        # sending megabytes can see the reset before the answer. Not a dropped valid request.
        return 414, b""
    assert data.startswith(b"HTTP/1."), (
        f"the server closed the connection without an answer ({refused!r}): {data[:200]!r}"
    )
    head, _, rest = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), rest


HEADER_NAMES = [
    "Accept",
    "Accept",
    "Content-Type",
    "Accept-Charset",
    "Accept-Encoding",
    "Accept-Language",
    "If-None-Match",
    "If-Modified-Since",
    "If-Match",
    "Range",
    "Origin",
    "Request-Id",
    "X-Forwarded-For",
    "Cookie",
    "Authorization",
    "Cache-Control",
    "Expect",
    "Content-Encoding",
    "Content-Language",
    "Forwarded",
    "Host",
]
header_values = st.one_of(
    st.sampled_from(
        ACCEPTS
        + CONTENT_TYPES
        + [
            '"x"',
            "*",
            'W/"x"',
            "bytes=0-10",
            "bytes=-5",
            "bytes=9-1,0-0",
            "gzip",
            "Thu, 01 Jan 1970 00:00:00 GMT",
            "yesterday",
            "100-continue",
            "null",
            "x" * 5000,
        ]
    ),
    st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=60),
)


def test_odd_and_duplicate_headers(server: Server):
    """Weird Accept values, Content-Type with parameters, and headers sent twice or more, on
    /sparql by GET and by direct and form POST."""

    @fuzz_settings(250)
    @given(
        headers=st.lists(st.tuples(st.sampled_from(HEADER_NAMES), header_values), max_size=8),
        method=st.sampled_from(["GET", "POST direct", "POST form"]),
        text=st.sampled_from(REAL_QUERIES[-6:]) | mutated_queries(),
    )
    def prop(headers, method, text):
        if method == "GET":
            status, body = raw_request(server, "GET", b"/sparql?" + urlencode({"query": text}).encode(), headers)
        else:
            kind = "application/sparql-query" if method == "POST direct" else "application/x-www-form-urlencoded"
            payload = text.encode() if method == "POST direct" else urlencode({"query": text}).encode()
            status, body = raw_request(server, "POST", b"/sparql", [("Content-Type", kind), *headers], payload)
        check(status, body, (method, headers, text[:200]))

    prop()
    server.still_answers()


# --- saved queries -------------------------------------------------------------------------------

CATALOGUE = catalogue.load(Settings().queries_dir, Settings().ontology_dir)
NAMES = sorted(CATALOGUE)
SUFFIXES = ["", ""] + [f".{s}" for s in formats.BY_SUFFIX] + [".exe", ".", ".json.json", ".JSON", "..", ".%00"]


def value_for(parameter: catalogue.Parameter):
    """Values of every sort for one parameter: valid ones, near misses, hostile and huge ones."""
    valid = [v for v in (parameter.example, parameter.default, *parameter.values[:5]) if v]
    near = {
        "integer": ["1", "-0", "+7", "1e3", "99999999999999999999", "0x1", "1.0", "٣"],
        "decimal": ["3.5", ".5", "5.", "1e10", "NaN", "INF", "-0.0", "1" * 40],
        "date": ["2024-02-29", "2023-02-29", "2024-13-01", "20240101", "2024-1-1", "0000-01-01", "9999-12-31"],
        "boolean": ["true", "FALSE", "1", "0", "yes", "tRuE"],
        "iri": [
            "https://w3id.org/nolsi/id/ri/elixir-norway",
            "urn:x",
            "http://127.0.0.1:9/x",
            "relative",
            "a:b c",
            "<x>",
        ],
        "entity": ["elixir-norway", "Elixir", "../x", "https://w3id.org/nolsi/id/ri/x", "a/b", "-x"],
    }.get(parameter.type, [])
    return st.one_of(
        st.sampled_from(valid + near or ["x"]),
        st.text(max_size=40),
        st.sampled_from(
            ['" } UNION { ?s ?p ?o } #', "\x00", "\n", "🧬" * 10, "\u202e", "%", "%00", "&x=1", "DROP ALL"]
        ),
        huge_values,
    )


@st.composite
def saved_requests(draw):
    name = draw(st.sampled_from(NAMES))
    query = CATALOGUE[name]
    pairs = []
    for parameter in query.parameters:
        for _ in range(draw(st.sampled_from([0, 1, 1, 1, 2]))):  # missing, given, given twice
            pairs.append((parameter.name, draw(value_for(parameter))))
    if draw(st.integers(0, 4)) == 0:  # an unknown parameter
        pairs.append((draw(parameter_names), draw(st.text(max_size=20))))
    pairs = draw(st.permutations(pairs))
    suffix = draw(st.sampled_from(SUFFIXES))
    return name, suffix, pairs


def test_saved_query_parameters(server: Server):
    """Every saved query with every parameter missing, given once or twice, valid, near-miss,
    hostile or huge, plus unknown parameters, by GET (URL), POST (form) and HEAD, for each suffix
    and for a browser (the HTML page)."""

    @fuzz_settings(400)
    @given(
        request=saved_requests(),
        method=st.sampled_from(["GET", "GET", "POST", "HEAD"]),
        accept=st.sampled_from([None, "text/html", "text/csv", "*/*"]) | accepts,
    )
    def prop(request, method, accept):
        name, suffix, pairs = request
        target = f"/queries/{quote(name + suffix)}".encode()
        headers = {"Accept": accept} if accept is not None else {}
        if method == "POST":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            status, body = raw_request(server, "POST", target, headers, urlencode(pairs).encode())
        else:
            status, body = raw_request(server, method, target + b"?" + urlencode(pairs).encode(), headers)
        check(status, body, (method, name + suffix, [(k, v[:100]) for k, v in pairs], accept))

    prop()
    server.still_answers()


def test_saved_query_raw_query_strings(server: Server):
    """Saved-query URLs with raw, badly escaped and non-UTF-8 query strings."""

    @fuzz_settings(200)
    @given(name=st.sampled_from(NAMES), suffix=st.sampled_from(SUFFIXES), query_string=query_strings())
    def prop(name, suffix, query_string):
        target = f"/queries/{quote(name + suffix)}?".encode() + query_string
        status, body = raw_request(server, "GET", target, {"Accept": "application/json"})
        check(status, body, target[:300])

    prop()
    server.still_answers()


# --- paths ---------------------------------------------------------------------------------------

PATH_PIECES = [
    "..",
    "%2e%2e",
    "%2E%2E",
    ".%2e",
    "%252e%252e",
    "..%2f",
    "%2f",
    "/",
    "//",
    "\\",
    "%5c",
    "..\\",
    "%00",
    "%c0%ae",
    "%ff",
    "etc",
    "passwd",
    "pyproject.toml",
    "CURRENT",
    "builds",
    "releases",
    "store",
    "static",
    "yasgui",
    "yasgui.min.js",
    "SHA256SUMS",
    "ri",
    "elixir-norway",
    ".ttl",
    "~",
    "%",
    "%%",
    ";",
    "?",
    "#",
]
PREFIXES = [
    "/releases/",
    "/releases/latest/",
    "/doc/",
    "/id/",
    "/static/",
    "/static/yasgui/",
    "/static/swagger-ui/",
    "/queries/",
    "/graph/",
    "/vocab/",
    "/ontology/",
    "/",
]
LEAKS = (b"[project]", b"root:x:", b"MANIFEST-", b"class Settings", b"import ")


def test_random_paths_never_leave_the_served_folders(server: Server):
    """Random paths made of traversal pieces under every prefix that serves files or entities:
    never a 5xx, never a file of the project, the store or the system."""

    @fuzz_settings(200)
    @given(
        prefix=st.sampled_from(PREFIXES),
        pieces=st.lists(st.sampled_from(PATH_PIECES) | st.text(string.printable, max_size=4), max_size=10),
    )
    def prop(prefix, pieces):
        target = (prefix + "/".join(pieces)).replace(" ", "%20").replace("\r", "").replace("\n", "").replace("\t", "")
        target = "".join(c for c in target if 32 < ord(c) < 127)
        status, body = raw_request(server, "GET", target.encode(), {"Accept": "*/*"})
        check(status, body, target)
        if status == 200:
            assert not any(leak in body for leak in LEAKS), (target, body[:200])

    prop()
    server.still_answers()


# --- the SERVICE guard against the engine ------------------------------------------------------------
#
# The guard reads a query with rdflib, the engine with Oxigraph. Wherever the two tokenise a text
# differently (codepoint escapes, quotes, comments, escapes in names), a SERVICE clause one of them
# sees may be hidden from the other. In-process: the engine on an empty in-memory store, the SERVICE
# endpoint on port 9, which Oxigraph refuses to call ("port 9 is not allowed"), so nothing connects.

SERVICE_ENDPOINT = "http://127.0.0.1:9/sparql"
STRING_PIECES = [
    "a",
    " ",
    "'",
    '"',
    "#",
    "{",
    "}",
    "<",
    ">",
    "\\\\",
    '\\"',
    "\\'",
    "\\n",
    "\\r",
    "\\t",
    "\\u0022",
    "\\u0027",
    "SERVICE",
    "\n",
    "\r",
    "%22",
    "\\u0023",
    "é",
    "\u2028",
]
LINE_ENDS = ["\n", "\r", "\r\n", "\x0b", "\x0c", "\x85", "\u2028", "\u2029"]


@st.composite
def literals(draw) -> str:
    quote = draw(st.sampled_from(['"', "'", '"""', "'''"]))
    body = "".join(draw(st.lists(st.sampled_from(STRING_PIECES), max_size=6)))
    return quote + body + quote + draw(st.sampled_from(["", "", "@en", "^^<urn:t>", "^^e:t"]))


@st.composite
def iris(draw) -> str:
    return (
        "<urn:x:"
        + "".join(
            draw(
                st.lists(st.sampled_from(["a", "#", "'", "\\u0022", "\\u003E", "%3E", "/", "?", "{", "é"]), max_size=4)
            )
        )
        + ">"
    )


@st.composite
def pattern_parts(draw) -> str:
    """One piece of a group graph pattern that carries tricky text: literals, IRIs, escaped local
    names, comments ended by every kind of line break."""
    n = draw(st.integers(0, 99))
    kind = draw(st.sampled_from(["bind", "filter", "values", "name", "comment"]))
    if kind == "bind":
        return f"BIND({draw(literals() | iris())} AS ?v{n})"
    if kind == "filter":
        return f"FILTER({draw(literals())} != {draw(literals() | iris())})"
    if kind == "values":
        return f"VALUES ?w{n} {{ {draw(literals() | iris())} }}"
    if kind == "name":
        local = "".join(
            draw(st.lists(st.sampled_from(["a", "\\#", "\\'", '\\"', "\\)", "%22", ".b", "-"]), min_size=1, max_size=4))
        )
        return f"BIND(e:{local} AS ?p{n})"
    text = "".join(draw(st.lists(st.sampled_from(["a", " ", '"', "'", "<", "}", "{", "\\", "SERVICE"]), max_size=6)))
    return "#" + text + draw(st.sampled_from(LINE_ENDS))


def engine_calls_service(query: str) -> bool:
    try:
        results = ENGINE.query(query)
        if not isinstance(results, pyoxigraph.QueryBoolean):
            list(results)
    except OSError as error:
        return "port 9" in str(error)
    except (SyntaxError, RuntimeError, ValueError):  # not a query the engine runs
        return False
    return False


ENGINE = pyoxigraph.Store()


def test_the_service_guard_sees_every_service_call_the_engine_makes():
    """Whenever Oxigraph would call a SERVICE endpoint for a query, the guard refuses that query."""
    reached = []

    @fuzz_settings(400)
    @given(
        before=st.lists(pattern_parts(), max_size=4),
        after=st.lists(pattern_parts(), max_size=4),
        keyword=st.sampled_from(["SERVICE", "service", "SeRvIcE"]),
    )
    def prop(before, after, keyword):
        query = (
            f"PREFIX e: <urn:e:> SELECT * WHERE {{ {' '.join(before)} {keyword} <{SERVICE_ENDPOINT}> "
            f"{{ BIND(1 AS ?s) }} {' '.join(after)} }}"
        )
        if not engine_calls_service(query):
            return
        reached.append(query)
        with pytest.raises(guard.Refused):
            guard.check(query, ())

    prop()
    assert len(reached) > 40, (
        f"only {len(reached)} generated queries made the engine call SERVICE: the property tests little"
    )


# --- regressions: what the fuzzing found -------------------------------------------------------------

DEEP = {  # each under 25 kB, a fortieth of the request size limit
    "braces": "ASK {" + "{" * 3000 + "}" * 3000 + "}",
    "parentheses": "ASK { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }",
    "function calls": "ASK { FILTER(" + "STR(" * 1000 + "1" + ")" * 1000 + ") }",
    "negations": "ASK { FILTER(" + "!" * 20000 + "true) }",
}


@pytest.mark.parametrize("shape", list(DEEP))
def test_a_deeply_nested_query_is_a_client_error(server: Server, shape: str):
    """A small (< 20 kB), deeply nested query is a client's problem: 4xx, not the 503 of a
    crashed evaluator. (Oxigraph's recursive-descent parser overflows the evaluator's stack.)"""
    for transport in TRANSPORTS:
        started = time.monotonic()
        response = send_query(server, transport, DEEP[shape])
        assert 400 <= response.status_code < 500, (
            f"{transport}: {response.status_code} after {time.monotonic() - started:.1f} s: {response.text[:200]}"
        )
    server.still_answers()


FLAT = {  # no deeper than two brackets, but left-deep in the algebra; each well under the 1 MB limit
    "20 000 additions (80 kB)": "ASK { FILTER(" + " + ".join(["1"] * 20_000) + " > 0) }",
    "20 000 conjunctions (160 kB)": "ASK { FILTER(" + " && ".join(["true"] * 20_000) + ") }",
    "5 000 BINDs (100 kB)": "SELECT * WHERE {" + " ".join(f"BIND({i} AS ?v{i})" for i in range(5_000)) + "}",
    "5 000 OPTIONALs (135 kB)": "SELECT * WHERE { BIND(1 AS ?x) " + " OPTIONAL { BIND(1 AS ?y) }" * 5_000 + "}",
    "a path of 20 000 steps (160 kB)": "SELECT * WHERE { ?s " + "/".join(["<urn:p>"] * 20_000) + " ?o }",
}


@pytest.mark.parametrize("shape", list(FLAT))
def test_a_long_flat_query_is_a_client_error(server: Server, shape: str):
    """A long but flat query within the size limit is answered, refused (4xx) or cut at the time
    limit; it does not crash the evaluator (503 "stopped unexpectedly"): Oxigraph recurses over
    left-deep operator chains and joins when it plans and evaluates them."""
    for transport in ("POST form", "POST direct"):
        started = time.monotonic()
        response = send_query(server, transport, FLAT[shape])
        check(response.status_code, response.content, (transport, shape))
        assert response.status_code < 500 or TIME_LIMIT_MESSAGE in response.text, (
            f"{transport}: {response.status_code} after {time.monotonic() - started:.1f} s: {response.text[:200]}"
        )
    server.still_answers()


@pytest.mark.parametrize("parameter", ["default-graph-uri", "named-graph-uri"])
@pytest.mark.parametrize("value", ["not an iri", "", "<http://example.org/g>", "http://exa mple.org/"])
def test_a_graph_parameter_that_is_not_an_iri_is_400(server: Server, parameter: str, value: str):
    """SPARQL 1.1 Protocol 2.1.4: default-graph-uri and named-graph-uri are IRIs; anything else is a
    malformed request (400), not a failure of the engine (500)."""
    for method in ("GET", "POST"):
        params = {"query": "ASK {}", parameter: value}
        response = (
            requests.get(server.url, params=params, timeout=30)
            if method == "GET"
            else requests.post(server.url, data=params, timeout=30)
        )
        assert response.status_code == 400, f"{method}: {response.status_code} {response.text[:200]}"
        check_response(response, params)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { BIND(<urn:nolsi:no-such-function>(1) AS ?x) }",
        'ASK { FILTER(<http://www.w3.org/2001/XMLSchema#noSuchType>("1")) }',
        "PREFIX nolsi: <https://w3id.org/nolsi/ontology#> SELECT ?s WHERE { ?s ?p ?o FILTER(nolsi:(?o)) } LIMIT 1",
    ],
    ids=["BIND", "cast to an unknown type", "prefixed name as a function"],
)
def test_a_call_of_an_unknown_function_is_a_client_error(server: Server, query: str):
    """A function the engine does not know is the query's fault: 4xx (or, as SPARQL 1.1 section 17.3
    allows, an error that makes the FILTER false), never "the query engine failed" with a 500."""
    for transport in TRANSPORTS:
        response = send_query(server, transport, query)
        assert response.status_code < 500, f"{transport}: {response.status_code} {response.text[:200]}"
