"""The nolsi web app: SPARQL endpoint, saved queries, dumps and Linked Data pages."""

from __future__ import annotations

from flask import Flask

from loader.settings import Settings
from sparql_api import engine


def create_app(settings: Settings | None = None) -> Flask:
    """Flask app factory; without `settings`, they come from the `NOLSI_*` environment."""
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config["NOLSI"] = settings
    app.config["MAX_CONTENT_LENGTH"] = settings.max_request_bytes
    app.extensions["nolsi.engine"] = engine.open_store(settings.store)

    from sparql_api import sparql

    app.register_blueprint(sparql.bp)
    return app
