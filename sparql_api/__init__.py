"""The nolsi web app (`sparql_api.app.create_app`): SPARQL endpoint, saved queries, dumps and
Linked Data pages.

Kept empty on purpose: query evaluator processes import `sparql_api.evaluator`, and should not
pay for importing Flask and the whole app to start.
"""
