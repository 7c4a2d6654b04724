"""Time-sortable 64-bit ids rendered as decimal strings (SPEC conventions)."""

from __future__ import annotations

from collections.abc import Callable

# 41 bits of milliseconds since 2020-01-01 last until 2089; 10 bits of node; 12 of sequence.
_EPOCH_MS = 1_577_836_800_000
_NODE_BITS = 10
_SEQUENCE_BITS = 12
_MAX_SEQUENCE = (1 << _SEQUENCE_BITS) - 1
MAX_NODE = (1 << _NODE_BITS) - 1


class IdGenerator:
    """Snowflake-style ids: unique per node, increasing within a node, sortable by time.

    Not thread-safe: one generator per event loop. Distinct replicas need distinct nodes.
    """

    def __init__(self, node: int, now_ms: Callable[[], int]) -> None:
        if not 0 <= node <= MAX_NODE:
            raise ValueError(f"node must be within 0..{MAX_NODE}")
        self._node = node
        self._now_ms = now_ms
        self._last_ms = -1
        self._sequence = 0

    def next_id(self) -> str:
        now = max(self._now_ms(), self._last_ms)
        if now == self._last_ms:
            self._sequence = (self._sequence + 1) & _MAX_SEQUENCE
            if self._sequence == 0:
                # The sequence is exhausted for this millisecond: borrow the next one.
                now += 1
        else:
            self._sequence = 0
        self._last_ms = now
        value = (
            ((now - _EPOCH_MS) << (_NODE_BITS + _SEQUENCE_BITS))
            | (self._node << _SEQUENCE_BITS)
            | self._sequence
        )
        return str(value)
