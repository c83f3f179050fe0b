"""The one way nolsi runs SPARQL: the protocol endpoint, saved queries, entity and graph pages,
Service Description counts and `nolsi query` all ask a `QueryService`.

It owns what every caller needs the same way: the served build, the answer cache (a build
never changes, so a cached answer is exact), the evaluator pool with its limits and admission,
the ETag of an answer, and the translation of "no answer" (time limit, overload) into one
exception that the web app turns into a 503 with a message.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from loader.settings import Settings
from loader.store import StoreError
from sparql_api import cache, engine, guard
from sparql_api.evaluator import Answer, Busy, Job, Limits, Pool, QueryTimeout, Term


@dataclass(frozen=True)
class Asked:
    """A query as a caller asks it: the text, the result formats it accepts, the dataset, the values to bind."""

    query: str
    solutions: str | None = "json"
    graphs: str | None = "turtle"
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    substitutions: tuple[tuple[str, Term], ...] = ()
    base_iri: str | None = None


class Unanswered(Exception):
    """The query got no answer: it ran out of time, or no evaluator could take it."""

    def __init__(self, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.message, self.retry_after = message, retry_after


class QueryService:
    def __init__(self, settings: Settings, evaluators: int | None = None):
        self.settings = settings
        limits = Limits(
            backend=settings.backend,
            memory_bytes=settings.query_memory,
            answer_bytes=settings.answer_bytes,
            memory_quads=settings.memory_quads,
        )
        self.pool = Pool(evaluators or settings.evaluators, limits, queue_wait=settings.queue_wait)
        self.cache = cache.AnswerCache(settings.cache_bytes)
        with contextlib.suppress(StoreError):  # no store yet: the caller says so when it asks for the release
            self.pool.prepare(self.served().path)  # the build loads while the server finishes starting

    def served(self) -> engine.Build:
        return engine.current(self.settings.store)

    def etag(self, asked: Asked, build: engine.Build) -> str:
        """The strong validator of an answer: software, release, request and limits."""
        return engine.etag(build, "answer", asked, self.settings.row_limit)

    def cached(self, asked: Asked, build: engine.Build) -> Answer | None:
        return self.cache.get((build.version, asked))

    def answer(self, asked: Asked, build: engine.Build | None = None) -> Answer:
        """The answer, from the cache or an evaluator; raises `Unanswered`."""
        build = build or self.served()
        key = (build.version, asked)
        found = self.cache.get(key)
        if found is not None:
            return found
        job = Job(
            store=build.path,
            query=asked.query,
            default_graphs=asked.default_graphs,
            named_graphs=asked.named_graphs,
            solutions_format=asked.solutions,
            graph_format=asked.graphs,
            row_limit=self.settings.row_limit,
            substitutions=asked.substitutions,
            base_iri=asked.base_iri,
            service_allowlist=self.settings.service_allowlist,
        )
        try:
            answer = self.pool.run(job, self.settings.query_timeout)
        except QueryTimeout as error:
            raise Unanswered(str(error)) from None
        except Busy as error:
            raise Unanswered(str(error), error.retry_after) from None
        if answer.status == 400 and guard.is_update(asked.query):
            return Answer(403, b"This endpoint is read-only: SPARQL Update is not accepted.\n", "text/plain")
        self.cache.put(key, answer)
        return answer

    def close(self) -> None:
        self.pool.close()
