"""A small client for notebooks: saved queries and SPARQL as pandas DataFrames with real column types.

    from nolsi_client import Client
    nolsi = Client("http://127.0.0.1:8000")
    nolsi.queries()                                          # the catalogue
    nolsi.run("services-for-classification", level="red")    # a saved query
    nolsi.sparql("SELECT ?s WHERE { ?s ?p ?o } LIMIT 5")      # any query

It speaks only the public HTTP API (SPARQL JSON results), so it works against any nolsi server.
"""

from __future__ import annotations

import pandas as pd
import requests

XSD = "http://www.w3.org/2001/XMLSchema#"
INTEGERS = {
    XSD + t
    for t in (
        "integer",
        "int",
        "long",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "negativeInteger",
        "nonPositiveInteger",
        "unsignedInt",
        "unsignedLong",
        "unsignedShort",
        "unsignedByte",
    )
}
NUMBERS = {XSD + t for t in ("decimal", "double", "float")}


class NolsiError(Exception):
    """The server refused the request; the message is the server's own."""


class Client:
    def __init__(self, base_url: str = "http://127.0.0.1:8000", timeout: float = 60):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()

    def queries(self) -> pd.DataFrame:
        """The saved queries: name, title, description, tags and parameters."""
        body = self._get("/queries", headers={"Accept": "application/json"}).json()
        return pd.DataFrame(body["queries"], columns=["name", "title", "description", "tags", "form", "parameters"])

    def run(self, name: str, **params) -> pd.DataFrame:
        """Run saved query `name` with its parameters; a bad value raises `NolsiError` with the reason."""
        values = {key: _text(value) for key, value in params.items()}
        response = self._get(f"/queries/{name}.json", params=values)
        return frame(response.json())

    def sparql(self, query: str) -> pd.DataFrame:
        """Run any SELECT or ASK query (POSTed, so long queries work)."""
        response = self.session.post(
            self.base_url + "/sparql",
            data={"query": query},
            headers={"Accept": "application/sparql-results+json"},
            timeout=self.timeout,
        )
        _check(response)
        return frame(response.json())

    def _get(self, path: str, **kwargs) -> requests.Response:
        response = self.session.get(self.base_url + path, timeout=self.timeout, **kwargs)
        _check(response)
        return response


def frame(results: dict) -> pd.DataFrame:
    """SPARQL JSON results as a DataFrame: integers, numbers, dates, booleans typed; IRIs and text as strings."""
    if "boolean" in results:
        return pd.DataFrame({"boolean": pd.array([results["boolean"]], dtype="boolean")})
    names = results["head"]["vars"]
    rows = results["results"]["bindings"]
    return pd.DataFrame({name: _column([row.get(name) for row in rows]) for name in names}, columns=names)


def _column(cells: list[dict | None]) -> pd.Series:
    datatypes = {cell.get("datatype") for cell in cells if cell}
    values = [cell["value"] if cell else None for cell in cells]
    if datatypes and datatypes <= INTEGERS:
        return pd.Series(pd.array([None if v is None else int(v) for v in values], dtype="Int64"))
    if datatypes and datatypes <= INTEGERS | NUMBERS:
        return pd.Series(pd.array([None if v is None else float(v) for v in values], dtype="Float64"))
    if datatypes == {XSD + "boolean"}:
        return pd.Series(pd.array([None if v is None else v in ("true", "1") for v in values], dtype="boolean"))
    if datatypes == {XSD + "date"}:
        return pd.Series(pd.to_datetime(values, format="%Y-%m-%d"))
    if datatypes == {XSD + "dateTime"}:
        return pd.Series(pd.to_datetime(values, format="ISO8601", utc=True))
    return pd.Series(pd.array(values, dtype="string"))


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _check(response: requests.Response) -> None:
    if response.ok:
        return
    try:
        message = response.json().get("error", response.text)
    except ValueError:
        message = response.text
    raise NolsiError(f"{response.status_code}: {message.strip()}")
