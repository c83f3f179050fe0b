"""A bounded in-process cache of query answers.

A release never changes once built, so the answer to the same request against the same release
is the same bytes: caching it is exact, not an approximation. Keys include the release version,
so a new build simply misses.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

from sparql_api.evaluator import Answer


class AnswerCache:
    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, tuple[Answer, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Answer | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
            return entry[0]

    def put(self, key: Hashable, answer: Answer) -> None:
        # The key holds the query text, which can be as large as the answer: count both.
        size = len(answer.body) + len(repr(key))
        if answer.status != 200 or size > self.max_bytes // 8:
            return
        with self._lock:
            if key in self._entries:
                return
            self._entries[key] = (answer, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, (_, evicted) = self._entries.popitem(last=False)
                self._bytes -= evicted
