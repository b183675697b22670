"""The timing rule every Python benchmark here uses, so their figures are comparable."""
import time


def timed(f, rounds=5, min_seconds=0.02, max_seconds=None):
    """(median seconds per call, the first call's result).

    The first call sizes the loop: fast calls are repeated until a sample lasts `min_seconds`;
    slow ones run fewer rounds so that all fit in `max_seconds`, and only the first call counts
    when no more than two rounds would fit.
    """
    t0 = time.perf_counter()
    result = f()
    first = time.perf_counter() - t0
    if max_seconds is not None and first * rounds > max_seconds:
        rounds = max(1, int(max_seconds / max(first, 1e-9)))
        if rounds <= 2:
            return first, result
    inner = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(inner):
            f()
        if time.perf_counter() - t0 >= min_seconds or inner > 1e6:
            break
        inner *= 2
    samples = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(inner):
            f()
        samples.append((time.perf_counter() - t0) / inner)
    return sorted(samples)[len(samples) // 2], result


def median_time(f, rounds=5, min_seconds=0.02, max_seconds=None):
    """Median seconds per call of `f` (see `timed`)."""
    return timed(f, rounds, min_seconds, max_seconds)[0]
