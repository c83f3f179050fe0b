"""The Flask app factory: settings, the query service, the blueprints."""

from __future__ import annotations

import atexit

from flask import Flask
from flask_cors import CORS
from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined

from loader.settings import Settings
from sparql_api import catalogue, compression, engine, errors, logs, security
from sparql_api.accept import NegotiatingRequest
from sparql_api.service import QueryService


def create_app(settings: Settings | None = None) -> Flask:
    """Flask app factory; without `settings`, they come from the `NOLSI_*` environment."""
    settings = settings or Settings.from_env()
    engine.check(settings.store)  # fail at start-up, with a clear message, if the store is missing or damaged

    app = Flask(__name__)
    app.request_class = NegotiatingRequest
    # A template that names a value its view did not give fails loudly (a test sees the 500), instead
    # of rendering an empty string: renamed page-model fields cannot drift silently.
    app.jinja_env.undefined = StrictUndefined
    if settings.page_templates and app.jinja_env.loader is not None:
        app.jinja_env.loader = ChoiceLoader([FileSystemLoader(settings.page_templates), app.jinja_env.loader])
    app.config["NOLSI"] = settings
    # One byte over the limit, so that `protocol.body` can tell a body at the limit from one beyond it.
    app.config["MAX_CONTENT_LENGTH"] = settings.max_request_bytes + 1

    service = QueryService(settings)
    atexit.register(service.close)
    app.extensions["nolsi.service"] = service
    app.extensions["nolsi.queries"] = catalogue.load(settings.queries_dir, settings.ontology_dir)

    CORS(
        app,
        origins="*",
        methods=["GET", "HEAD", "POST", "OPTIONS"],
        expose_headers=security.EXPOSED_HEADERS,
        max_age=86400,
    )
    logs.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    compression.init_app(app)  # registered last, so it runs first: the other hooks see the body sent

    from sparql_api import apidocs, editor, landing, ontology, ops, pages, releases, saved, search, sparql

    app.register_blueprint(sparql.bp)
    app.register_blueprint(saved.bp)
    app.register_blueprint(ops.bp)
    app.register_blueprint(editor.bp)
    app.register_blueprint(apidocs.bp)
    app.register_blueprint(landing.bp)
    app.register_blueprint(releases.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(ontology.bp)
    app.register_blueprint(search.bp)
    return app
