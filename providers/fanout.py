"""Calling many vendor systems at once, each under its own deadline.

Every vendor's call runs in its own worker thread; results are handed back to the caller's
thread as they finish, so the caller applies a fast vendor's answer (in its own database
transaction) while a slow one is still pending. A call still running at its deadline is
reported as timed out and abandoned: its thread ends by itself when the adapter's own socket
timeout fires, and no database work ever happens in these threads.
"""
from __future__ import annotations

import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Callable, Hashable, Iterator

from providers.base import ProviderError

MAX_WORKERS = 32


def fan_out(calls: dict[Hashable, tuple[Callable[[], object], float]]) -> Iterator[tuple[Hashable, object]]:
    """Run ``calls`` ({key: (function, seconds allowed)}) concurrently; yield (key, result or
    exception) in completion order. A deadline counts from when that call actually starts."""
    if not calls:
        return
    started: dict[Hashable, float] = {}

    def timed(key, fn):
        started[key] = time.monotonic()
        return fn()

    pool = ThreadPoolExecutor(max_workers=min(MAX_WORKERS, len(calls)), thread_name_prefix="provider")
    futures: dict[Future, tuple[Hashable, float]] = {
        pool.submit(timed, key, fn): (key, budget) for key, (fn, budget) in calls.items()}
    pending = set(futures)
    try:
        while pending:
            now = time.monotonic()
            deadlines = [started[futures[f][0]] + futures[f][1] for f in pending if futures[f][0] in started]
            wait_for = max(0.0, min(deadlines) - now) if deadlines else 0.05
            done, pending = wait(pending, timeout=max(wait_for, 0.01), return_when=FIRST_COMPLETED)
            for f in done:
                key = futures[f][0]
                exc = f.exception()
                yield key, exc if exc is not None else f.result()
            now = time.monotonic()
            for f in list(pending):
                key, budget = futures[f]
                if key in started and now - started[key] >= budget:
                    pending.discard(f)
                    f.cancel()
                    yield key, ProviderError(f"no answer within {budget:g} s; skipped this run")
    finally:
        # Never wait for an abandoned call: that is the whole point.
        pool.shutdown(wait=False, cancel_futures=True)
