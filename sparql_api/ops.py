"""Operations: `/-/health` for load balancers, `/-/version` for people and scripts."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from sparql_api import engine

bp = Blueprint("ops", __name__)


@bp.get("/-/health")
def health():
    release = engine.current(current_app.config["NOLSI"].store)
    return jsonify(status="ok", version=release.version)


@bp.get("/-/version")
def version():
    from importlib.metadata import version as package_version

    settings = current_app.config["NOLSI"]
    release = engine.current(settings.store)
    return jsonify(
        software=package_version("nolsi"),
        dataset=release.version,
        built=release.built.isoformat(),
        engine=settings.backend or "embedded Oxigraph store",
    )
