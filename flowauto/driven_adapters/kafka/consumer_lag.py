"""How far a consumer is behind: per topic, the messages between its positions and the ends
of its assigned partitions. Sampled every few seconds, not per message (each sample asks the
broker for the partition ends)."""

from __future__ import annotations

import time
from collections.abc import Callable

from confluent_kafka import Consumer, KafkaException

LagReport = Callable[[str, int], None]
SAMPLE_EVERY_S = 5.0
WATERMARK_TIMEOUT_S = 1.0
_NO_OFFSET = 0  # librdkafka's negative "no position yet" offsets count from the start


def topic_lag(consumer: Consumer) -> dict[str, int]:
    """Blocking: call on the consumer's own thread."""
    lag: dict[str, int] = {}
    assigned = consumer.assignment()
    if not assigned:
        return lag
    for partition in consumer.position(assigned):
        try:
            _, high = consumer.get_watermark_offsets(partition, timeout=WATERMARK_TIMEOUT_S)
        except KafkaException:
            continue
        position = partition.offset if partition.offset >= 0 else _NO_OFFSET
        lag[partition.topic] = lag.get(partition.topic, 0) + max(0, high - position)
    return lag


class LagSampler:
    def __init__(self, report: LagReport | None, every_s: float = SAMPLE_EVERY_S) -> None:
        self.report = report
        self._every_s = every_s
        self._next_at = 0.0

    def due(self) -> bool:
        if self.report is None:
            return False
        now = time.monotonic()
        if now < self._next_at:
            return False
        self._next_at = now + self._every_s
        return True
