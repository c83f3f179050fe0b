"""Rewrite the expected results of the saved queries, `tests/expected/queries/*`, from the current graph.

Run it by hand, after a data or query change has been reviewed, and review the diff it leaves:

    .venv/bin/python tests/expected/regenerate.py                 # builds data/ (validated) in a temporary store
    .venv/bin/python tests/expected/regenerate.py --store STORE   # uses a store `nolsi build` already wrote

`tests/test_queries.py` compares every saved query with these files and never rewrites them.

One file per query in `queries/`, run with its example values (or defaults):
    SELECT      <name>.csv   the SPARQL CSV result, rows in the query's own ORDER BY, lines ending in LF
    ASK         <name>.txt   `true` or `false`
    CONSTRUCT   <name>.nt    the N-Triples result, lines sorted
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pyoxigraph  # noqa: E402

from loader import store as stores  # noqa: E402
from sparql_api import catalogue  # noqa: E402
from sparql_api.evaluator import Embedded, Job, evaluate  # noqa: E402

EXPECTED = Path(__file__).resolve().parent / "queries"
SUFFIX = {"SELECT": ".csv", "ASK": ".txt", "CONSTRUCT": ".nt", "DESCRIBE": ".nt"}


def saved_queries() -> dict[str, catalogue.SavedQuery]:
    return catalogue.load(ROOT / "queries", ROOT / "ontology")


def fixture(query: catalogue.SavedQuery) -> Path:
    return EXPECTED / f"{query.name}{SUFFIX[query.form]}"


def run(store: pyoxigraph.Store, query: catalogue.SavedQuery, values: dict[str, str] | None = None) -> bytes:
    """The raw result of a saved query with `values` (by default its examples), as the server's evaluator makes it:
    CSV for SELECT, SPARQL JSON for ASK, N-Triples for CONSTRUCT and DESCRIBE."""
    values = query.examples() if values is None else values
    job = Job(
        store="",
        query=query.text,
        default_graphs=None,
        named_graphs=None,
        solutions_format="json" if query.form == "ASK" else "csv",
        graph_format="ntriples",
        row_limit=10**9,
        substitutions=query.bindings(values),
    )
    answer = evaluate(Embedded(store), job)
    if answer.status != 200:
        raise RuntimeError(f"{query.name}: {answer.status} {answer.body.decode(errors='replace')}")
    return answer.body


def canonical(form: str, body: bytes) -> str:
    """A result as it is kept in its fixture file (see the module docstring)."""
    text = body.decode("utf-8")
    if form == "SELECT":
        return rows_to_csv(csv_rows(text))
    if form == "ASK":
        return ("true" if json.loads(text)["boolean"] else "false") + "\n"
    triples = list(pyoxigraph.parse(body, format=pyoxigraph.RdfFormat.N_TRIPLES))
    if any(isinstance(term, pyoxigraph.BlankNode) for t in triples for term in (t.subject, t.object)):
        raise ValueError("a graph result with blank nodes has no stable N-Triples form; leave them out of the query")
    return "".join(sorted(line + "\n" for line in text.splitlines() if line.strip()))


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def rows_to_csv(rows: list[list[str]]) -> str:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def write_all(store: pyoxigraph.Store) -> list[Path]:
    """Rewrite every fixture; delete those of queries that no longer exist. Return the files written."""
    EXPECTED.mkdir(parents=True, exist_ok=True)
    written = []
    for query in saved_queries().values():
        path = fixture(query)
        path.write_text(canonical(query.form, run(store, query)), encoding="utf-8", newline="")
        written.append(path)
    for stale in set(EXPECTED.iterdir()) - set(written):
        if stale.suffix in (".csv", ".txt", ".nt"):
            stale.unlink()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, help="a store that `nolsi build` wrote (default: build data/ now)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="nolsi-expected-") as temp:
        store_dir = args.store
        if store_dir is None:
            store_dir = Path(temp) / "store"
            done = subprocess.run(
                [sys.executable, "-m", "loader.cli", "build", "--store", str(store_dir)],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                sys.stderr.write(done.stderr[-5000:])
                return done.returncode
        store = pyoxigraph.Store.read_only(str(stores.resolve(store_dir)))
        written = write_all(store)
    for path in written:
        print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
