"""The bounded answer cache (sparql_api/cache.py). Its bound on a live server, under load, is proved by
tests/test_reliability.py::test_the_answer_cache_keeps_to_its_memory_bound; here, what it keeps and drops."""

from __future__ import annotations

from sparql_api.cache import AnswerCache
from sparql_api.evaluator import Answer


def answer(size: int, status: int = 200) -> Answer:
    return Answer(status, b"x" * size, "text/csv")


def test_an_answer_put_is_got_back_under_its_key_only():
    cache = AnswerCache(10_000)
    cache.put(("v1", "ASK {}"), answer(10))
    assert cache.get(("v1", "ASK {}")) == answer(10)
    assert cache.get(("v2", "ASK {}")) is None  # another release: a miss


def test_errors_are_never_cached():
    cache = AnswerCache(10_000)
    for status in (400, 406, 503):
        cache.put(status, answer(10, status))
        assert cache.get(status) is None


def test_an_answer_over_an_eighth_of_the_cache_is_not_kept():
    cache = AnswerCache(8_000)
    cache.put("large", answer(1_000))
    assert cache.get("large") is None
    cache.put("small", answer(900))
    assert cache.get("small") is not None


def test_the_least_recently_used_answer_goes_first_and_the_bound_holds():
    cache = AnswerCache(8_000)
    for key in ("a", "b", "c", "d", "e", "f", "g", "h"):
        cache.put(key, answer(900))
    cache.get("a")  # used again: now the most recent
    cache.put("i", answer(900))
    assert cache.get("b") is None and cache.get("a") is not None and cache.get("i") is not None
    kept = sum(len(e.body) + len(repr(k)) for k in "abcdefghi" if (e := cache.get(k)) is not None)
    assert kept <= 8_000


def test_a_second_put_of_a_key_keeps_the_first_answer():
    cache = AnswerCache(10_000)
    cache.put("k", answer(10))
    cache.put("k", answer(20))
    assert cache.get("k") == answer(10)
