"""A newcomer adds an entity type with its own page and a saved query, as README's "Adding an entity
type" says: a class in the ontology, a data file, a shape, a query file and a page template. No
Python changes; this test does exactly those steps on a copy of the project and checks the result
(the training course below is test data in a temporary folder, not a fact of the graph)."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest

from loader.settings import ROOT, Settings
from sparql_api.app import create_app
from tests.conftest import nolsi

CLASS = """
nolsi:TrainingCourse a owl:Class ;
    rdfs:label "training course"@en , "kurs"@nb ;
    rdfs:comment "A course that teaches researchers a skill; its provider with schema:provider."@en ;
    rdfs:subClassOf schema:Course ;
    rdfs:isDefinedBy <https://w3id.org/nolsi/ontology> .
"""

COURSE = """@prefix doc: <https://w3id.org/nolsi/id/document/> .
@prefix nolsi: <https://w3id.org/nolsi/ontology#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix schema: <https://schema.org/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .

<https://w3id.org/nolsi/graph/training> prov:wasDerivedFrom doc:elixir-no-about .

<https://w3id.org/nolsi/id/course/rdm-basics> a nolsi:TrainingCourse ;
    skos:prefLabel "Research data management basics"@en ;
    schema:provider <https://w3id.org/nolsi/id/ri/elixir-norway> .
"""

SHAPE = """@prefix nolsi: <https://w3id.org/nolsi/ontology#> .
@prefix nolsish: <https://w3id.org/nolsi/shapes#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <https://schema.org/> .
@prefix sh: <http://www.w3.org/ns/shacl#> .

nolsish:TrainingCourse a sh:NodeShape ;
    rdfs:label "training course"@en ;
    sh:targetClass nolsi:TrainingCourse ;
    sh:property nolsish:TrainingCourse-provider .

nolsish:TrainingCourse-provider a sh:PropertyShape ;
    sh:path schema:provider ;
    sh:minCount 1 ;
    sh:name "provider" ;
    sh:description "Who gives the course."@en .
"""

QUERY = """#+ title: Courses of a provider
#+ description: The training courses an organisation or infrastructure gives.
#+ tags: training
#+ param: provider type=iri required example=https://w3id.org/nolsi/id/ri/elixir-norway description="The provider IRI."
PREFIX nolsi: <https://w3id.org/nolsi/ontology#>
PREFIX schema: <https://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>

SELECT ?course ?name WHERE {
  ?course a nolsi:TrainingCourse ; schema:provider ?provider ; skos:prefLabel ?name .
}
ORDER BY ?name
"""

TEMPLATE = """{% extends "entity.html" %}
{% from "_answer.html" import answer %}
{% block by_type %}
<h2 id="same-provider">Courses by the same provider</h2>
{{ answer(saved_answer("courses-of-a-provider", provider=page.iris("schema:provider")[0])) }}
{% endblock %}
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A copy of the project's Turtle, shapes and queries with the new type added."""
    root = tmp_path_factory.mktemp("extending")
    for folder in ("data", "ontology", "shapes", "queries"):
        shutil.copytree(ROOT / folder, root / folder)
    with (root / "ontology" / "nolsi.ttl").open("a", encoding="utf-8") as ontology:
        ontology.write(CLASS)
    (root / "data" / "training.ttl").write_text(COURSE, encoding="utf-8")
    (root / "shapes" / "training.ttl").write_text(SHAPE, encoding="utf-8")
    common = root / "shapes" / "common.ttl"  # the kinds of minted IRI: .../id/course/{slug} is new
    common.write_text(common.read_text(encoding="utf-8").replace("|document)", "|document|course)"), encoding="utf-8")
    (root / "queries" / "courses-of-a-provider.rq").write_text(QUERY, encoding="utf-8")
    (root / "templates" / "types").mkdir(parents=True)
    (root / "templates" / "types" / "nolsi-TrainingCourse.html").write_text(TEMPLATE, encoding="utf-8")
    return root


def build(project: Path, store: Path):
    folders = [f"--{name}-dir" for name in ("data", "ontology", "shapes")]
    arguments = [argument for name in folders for argument in (name, project / name[2:-4])]
    return nolsi("build", "--store", store, *arguments)


@pytest.fixture(scope="module")
def client(project: Path, tmp_path_factory):
    store = tmp_path_factory.mktemp("extending-store") / "store"
    done = build(project, store)
    assert done.returncode == 0, done.stderr[-3000:]
    settings = Settings.from_env(
        store=store,
        queries_dir=project / "queries",
        ontology_dir=project / "ontology",
        page_templates=str(project / "templates"),
        evaluators=1,
    )
    app = create_app(settings)
    yield app.test_client()
    app.extensions["nolsi.service"].close()


def test_the_new_type_has_its_own_page_with_its_saved_query_answered(client):
    response = client.get("/doc/course/rdm-basics", headers={"Accept": "text/html"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<h1>Research data management basics</h1>" in page
    section = page[page.index('id="same-provider"') :]
    assert 'href="/doc/course/rdm-basics"' in section and "1 rows" in section


def test_the_new_saved_query_is_in_the_catalogue_and_the_api(client):
    assert "courses-of-a-provider" in [q["name"] for q in client.get("/queries").get_json()["queries"]]
    response = client.get("/queries/courses-of-a-provider.csv?provider=https://w3id.org/nolsi/id/ri/elixir-norway")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    course = ["https://w3id.org/nolsi/id/course/rdm-basics", "Research data management basics"]
    assert rows == [["course", "name"], course]


def test_the_new_shape_guards_the_new_type(project: Path, tmp_path: Path):
    """A course without a provider is refused by the build, with the shape's message."""
    broken = tmp_path / "project"
    shutil.copytree(project, broken)
    data = broken / "data" / "training.ttl"
    data.write_text(data.read_text().replace("    schema:provider", "    schema:alternateName"), encoding="utf-8")
    done = build(broken, tmp_path / "store")
    assert done.returncode != 0
    violation = next(line for line in done.stderr.splitlines() if line.startswith("Violation:"))
    assert f"in {broken / 'data' / 'training.ttl'}:" in violation and "schema.org/provider" in violation
