"""Backoff and quota arithmetic, with the clock and the sleep injected."""

from __future__ import annotations

from sheets_pipeline.backends.retry import MAX_DELAY, QuotaGate, RetryPolicy


def test_backoff_follows_googles_rule_and_is_capped():
    policy = RetryPolicy(sleep=lambda s: None, jitter=lambda: 0.25)
    assert [policy.delay(n) for n in range(8)] == [1.25, 2.25, 4.25, 8.25, 16.25, 32.25, 64.0, 64.0]
    assert MAX_DELAY == 64.0


def test_retry_after_wins_and_is_capped_too():
    policy = RetryPolicy(sleep=lambda s: None, jitter=lambda: 0.9)
    assert policy.delay(0, "7") == 7.0
    assert policy.delay(3, "600") == 64.0
    assert policy.delay(1, "Wed, 21 Oct 2026 07:28:00 GMT") == 2.9  # a date: back to the backoff


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_quota_gate_holds_the_61st_read_of_a_minute():
    clock = FakeClock()
    gate = QuotaGate(per_minute=60, clock=clock, sleep=clock.sleep)
    for i in range(60):
        gate.acquire("read")
        clock.now += 0.5  # 60 reads in 30 s
    assert clock.slept == []
    gate.acquire("write")  # writes are counted apart
    assert clock.slept == []
    gate.acquire("read")  # the first read was 30 s ago: wait until it leaves the window
    assert clock.slept == [30.0]
