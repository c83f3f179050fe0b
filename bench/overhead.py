"""Where one nolsi request's time goes, layer by layer, for each query of the mix (one client, no cache).

Run with nolsi's own interpreter, after `python -m bench` has built a store:

    .venv/bin/python -m bench.overhead --store var/bench/real/store

Layers, each timed as the median of --repeat runs:
  engine      pyoxigraph alone: `Store.read_only(...).query(text)` serialised to JSON (what Oxigraph does)
  evaluate    nolsi's `evaluator.evaluate` in-process (TSV, row cut, re-parse, JSON)
  pool        the same through an evaluator process (`Pool.run`: pickling, socket, process hop)
  guard       `guard.check` on the query text (rdflib parse when the text mentions "service")
  flask       the whole app through Flask's test client with the cache off (no HTTP, no gunicorn)
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def median_ms(fn, repeat: int) -> float:
    fn()  # warm
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return round(statistics.median(times) * 1000, 2)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--store", type=Path, default=ROOT / "var" / "bench" / "real" / "store")
    parser.add_argument("--entity", default=None, help="IRI for the lookup/CONSTRUCT queries (default: by dataset)")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args(argv)
    os.environ["NOLSI_STORE"] = str(args.store)
    os.environ["NOLSI_CACHE_BYTES"] = "0"

    import pyoxigraph

    from bench.queries import mix
    from loader.settings import Settings
    from sparql_api import engine
    from sparql_api.app import create_app
    from sparql_api.evaluator import Pool

    entity = args.entity or (
        "https://w3id.org/nolsi/id/ri/elixir-norway"
        if "real" in str(args.store)
        else "https://w3id.org/nolsi/id/ri/ri-3"
    )
    settings = Settings.from_env()
    release = engine.current(settings.store)
    store = pyoxigraph.Store.read_only(release.path)
    pool = Pool(size=1)
    app = create_app(settings)
    client = app.test_client()
    rows = [
        _layers(query, release.path, store, pool, client, settings.row_limit, args.repeat)
        for query in mix(ROOT / "queries", entity, entity)
    ]
    pool.close()
    print(f"store {release.path}, median of {args.repeat}, ms")
    print("| query | engine | evaluate | pool | guard | flask |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(str(v) for v in row) + " |")


def _layers(query, path: str, store, pool, client, row_limit: int, repeat: int) -> tuple:
    """The query's name and the median ms of each layer (see the module docstring)."""
    import pyoxigraph

    from sparql_api import guard
    from sparql_api.evaluator import Embedded, Job, evaluate

    fmt = (None, "ntriples") if query.form == "construct" else ("json", None)
    job = Job(path, query.text, None, None, fmt[0], fmt[1], row_limit)

    def engine_only():
        result = store.query(query.text)
        if query.form != "construct":
            result.serialize(format=pyoxigraph.QueryResultsFormat.JSON)
        else:
            pyoxigraph.serialize(result, format=pyoxigraph.RdfFormat.N_TRIPLES)

    def flask_request():
        response = client.post("/sparql", data={"query": query.text}, headers={"Accept": query.accept})
        assert response.status_code == 200, response.data[:200]

    return (
        query.name,
        median_ms(engine_only, repeat),
        median_ms(lambda: evaluate(Embedded(store), job), repeat),
        median_ms(lambda: pool.run(job, 30), repeat),
        median_ms(lambda: guard.check(query.text, ()), repeat),
        median_ms(flask_request, repeat),
    )


if __name__ == "__main__":
    main()
