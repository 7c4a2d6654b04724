"""The event bus on Kafka (confluent-kafka / librdkafka), for deployments with several replicas.

librdkafka's clients block, so nothing here calls them on the event loop:
- the producer is idempotent (`acks=all`); a background thread polls it for delivery
  reports, and each report settles the asyncio future its `publish` awaits;
- each subscription owns one consumer and one thread that makes every call on it, one at a
  time: poll, commit, close. The handler runs on the loop; a message's offset is committed
  only after the handler returned or the message was dead-lettered, so delivery is at
  least once, and a rebalance or a crash mid-handler means the group sees it again.

Topics are created on demand with the admin API (CreateTopics with the broker's default
partition count), once per topic and bus: the broker's auto-create is not relied on, as
brokers differ on it (tansu creates topics for producers, not for consumers).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from confluent_kafka import Consumer, KafkaError, KafkaException, Message, Producer, TopicPartition
from confluent_kafka.admin import AdminClient

# The admin module re-exports NewTopic without declaring it; the stubs define it here.
from confluent_kafka.cimpl import NewTopic

from flowauto.domain.errors import StoreUnavailableError
from flowauto.driven_adapters.dead_letter import handle_with_retries, retry_delay_s
from flowauto.driven_adapters.kafka.consumer_lag import (
    SAMPLE_EVERY_S,
    LagReport,
    LagSampler,
    topic_lag,
)
from flowauto.driven_adapters.telemetry.propagation import with_trace_context
from flowauto.ports.event_bus import BusMessage, EventBus, MessageHandler, Subscription

log = logging.getLogger(__name__)

T = TypeVar("T")

POLL_TIMEOUT_S = 0.2
"""How long one consumer poll blocks its thread, hence the longest a close waits for it."""
PRODUCER_POLL_S = 0.1
DEAD_LETTER_RETRY_CAP_S = 5.0
TOPIC_CREATE_ACCEPTED = frozenset(
    {
        KafkaError.TOPIC_ALREADY_EXISTS,
        # Not allowed to create topics: assume operations provisioned them.
        KafkaError.TOPIC_AUTHORIZATION_FAILED,
        KafkaError.CLUSTER_AUTHORIZATION_FAILED,
    }
)

_Headers = Mapping[str, str | bytes | None] | Sequence[tuple[str, str | bytes | None]]


@dataclass(frozen=True, slots=True, kw_only=True)
class KafkaTuning:
    """The knobs of a KafkaEventBus, as given to its constructor."""

    max_attempts: int = 3
    retry_backoff_ms: int = 200
    session_timeout_ms: int = 6000
    heartbeat_interval_ms: int = 500
    delivery_timeout_ms: int = 30_000
    """librdkafka's `message.timeout.ms`: a publish fails after this long without an ack."""
    request_timeout_ms: int = 10_000
    """For admin requests (topic creation)."""
    join_timeout_ms: int = 30_000
    """`subscribe` fails when the group has not assigned the consumer within this time."""

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")


class KafkaEventBus(EventBus):
    def __init__(
        self,
        bootstrap_servers: str,
        client_id: str,
        *,
        max_attempts: int = 3,
        retry_backoff_ms: int = 200,
        session_timeout_ms: int = 6000,
        heartbeat_interval_ms: int = 500,
        delivery_timeout_ms: int = 30_000,
        request_timeout_ms: int = 10_000,
        join_timeout_ms: int = 30_000,
        on_lag: LagReport | None = None,
        lag_sample_s: float = SAMPLE_EVERY_S,
    ) -> None:
        self._on_lag = on_lag
        self._lag_sample_s = lag_sample_s
        self.tuning = KafkaTuning(
            max_attempts=max_attempts,
            retry_backoff_ms=retry_backoff_ms,
            session_timeout_ms=session_timeout_ms,
            heartbeat_interval_ms=heartbeat_interval_ms,
            delivery_timeout_ms=delivery_timeout_ms,
            request_timeout_ms=request_timeout_ms,
            join_timeout_ms=join_timeout_ms,
        )
        self._client = {"bootstrap.servers": bootstrap_servers, "client.id": client_id}
        self._producer = Producer(self._producer_config())
        self._admin = AdminClient(dict(self._client))
        self._known_topics: set[str] = set()
        self._subscriptions: set[_KafkaSubscription] = set()
        self._closed = False
        self._poller = _DeliveryReportPoller(self._producer, f"kafka-producer-{client_id}")

    async def publish(self, message: BusMessage) -> None:
        if self._closed:
            raise StoreUnavailableError("the Kafka event bus is closed")
        await self._ensure_topics([message.topic])
        delivered = self._produce(message)
        # librdkafka reports every message within message.timeout.ms; the margin only
        # matters if the report never comes (the poller thread died).
        try:
            async with asyncio.timeout(self.tuning.delivery_timeout_ms / 1000 + 5):
                await delivered
        except TimeoutError as error:
            raise StoreUnavailableError(f"no delivery report for {message.topic}") from error

    async def subscribe(
        self, topics: Sequence[str], group: str, handler: MessageHandler
    ) -> Subscription:
        """Returns once the group assigned this consumer its partitions (maybe none)."""
        if self._closed:
            raise StoreUnavailableError("the Kafka event bus is closed")
        if not topics:
            raise ValueError("subscribe needs at least one topic")
        unique = list(dict.fromkeys(topics))
        await self._ensure_topics(unique)
        subscription = _KafkaSubscription(
            Consumer(self._consumer_config(group)),
            _Delivery(self, handler),
            on_close=self._subscriptions.discard,
            error_pause_s=self.tuning.retry_backoff_ms / 1000,
            lag=LagSampler(self._on_lag, self._lag_sample_s),
        )
        self._subscriptions.add(subscription)
        await subscription.start(unique, self.tuning.join_timeout_ms / 1000)
        return subscription

    async def close(self) -> None:
        """Closes the subscriptions still open, then flushes and closes the producer."""
        if self._closed:
            return
        self._closed = True
        # Together: members leaving one by one would make the rest rebalance in between.
        await asyncio.gather(*(member.close() for member in list(self._subscriptions)))
        await asyncio.to_thread(self._poller.stop)
        await asyncio.to_thread(self._close_producer)

    def _produce(self, message: BusMessage) -> asyncio.Future[None]:
        loop = asyncio.get_running_loop()
        delivered: asyncio.Future[None] = loop.create_future()
        headers: list[tuple[str, str | bytes | None]] = [
            (name, value.encode())
            for name, value in with_trace_context(dict(message.headers)).items()
        ]
        try:
            self._producer.produce(
                message.topic,
                message.value,
                key=None if message.key is None else message.key.encode(),
                headers=headers,
                on_delivery=_delivery_report(loop, delivered),
            )
        except (BufferError, KafkaException) as error:
            # BufferError: the local queue is full because the broker does not take messages.
            raise StoreUnavailableError(f"cannot publish to {message.topic}: {error}") from error
        return delivered

    async def _ensure_topics(self, topics: Sequence[str]) -> None:
        missing = [topic for topic in topics if topic not in self._known_topics]
        if missing:
            await asyncio.to_thread(self._create_topics, missing)
            self._known_topics.update(missing)

    def _create_topics(self, topics: list[str]) -> None:
        """Blocking: runs on a worker thread."""
        timeout_s = self.tuning.request_timeout_ms / 1000
        futures = self._admin.create_topics(
            [NewTopic(topic) for topic in topics], request_timeout=timeout_s
        )
        for topic, future in futures.items():
            try:
                future.result(timeout_s + 1)
            except KafkaException as error:
                if _error_code(error) not in TOPIC_CREATE_ACCEPTED:
                    raise StoreUnavailableError(f"cannot create topic {topic}: {error}") from error
            except concurrent.futures.TimeoutError as error:
                raise StoreUnavailableError(f"creating topic {topic} timed out") from error

    def _close_producer(self) -> None:
        """Blocking: runs on a worker thread, after the poller stopped."""
        # flush() serves the last delivery reports itself, on this thread.
        unsent = self._producer.flush(self.tuning.delivery_timeout_ms / 1000)
        if unsent:
            log.warning("closing the Kafka producer with %d messages unsent", unsent)
            self._producer.purge()
            self._producer.flush(0)
        self._producer.close()

    def _producer_config(self) -> dict[str, Any]:
        return {
            **self._client,
            # librdkafka's own log lines go to this module's logger, served by poll(). Not
            # for the admin client: nothing polls it, its lines would pile up unserved.
            "logger": log,
            "enable.idempotence": True,
            "acks": "all",
            "message.timeout.ms": self.tuning.delivery_timeout_ms,
        }

    def _consumer_config(self, group: str) -> dict[str, Any]:
        return {
            **self._client,
            "logger": log,
            "group.id": group,
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            # librdkafka's defaults (45 s / 3 s) make the first assignment on tansu take
            # about 23 s; these bring it to about 3 s and notice a dead member within 6 s.
            "session.timeout.ms": self.tuning.session_timeout_ms,
            "heartbeat.interval.ms": self.tuning.heartbeat_interval_ms,
        }


class _DeliveryReportPoller:
    """A daemon thread that polls the producer: delivery callbacks run on it."""

    def __init__(self, producer: Producer, name: str) -> None:
        self._producer = producer
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Blocking: waits for the last poll to return."""
        self._stopping.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._producer.poll(PRODUCER_POLL_S)


def _delivery_report(
    loop: asyncio.AbstractEventLoop, delivered: asyncio.Future[None]
) -> Callable[[KafkaError | None, Message], None]:
    """The producer callback (on the poller thread) that settles `delivered` on its loop."""

    def report(error: KafkaError | None, _message: Message) -> None:
        # The loop may be closed already when nobody waits any more.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(_settle, delivered, error)

    return report


def _settle(delivered: asyncio.Future[None], error: KafkaError | None) -> None:
    if delivered.done():  # the publisher was cancelled
        return
    if error is None:
        delivered.set_result(None)
    else:
        delivered.set_exception(StoreUnavailableError(f"the broker refused: {error.str()}"))


def _error_code(error: KafkaException) -> int | None:
    detail = error.args[0] if error.args else None
    return detail.code() if isinstance(detail, KafkaError) else None


class _Delivery:
    """What a subscription does with each record: the handler, its retries, the DLQ."""

    def __init__(self, bus: KafkaEventBus, handler: MessageHandler) -> None:
        self._bus = bus
        self._handler = handler

    async def handle(self, record: Message) -> None:
        await handle_with_retries(
            _bus_message(record),
            self._handler,
            max_attempts=self._bus.tuning.max_attempts,
            retry_backoff_ms=self._bus.tuning.retry_backoff_ms,
            send_to_dlq=self._send_to_dlq,
        )

    async def _send_to_dlq(self, message: BusMessage) -> None:
        """Keeps trying: committing the offset without the dead letter would lose it."""
        failures = 0
        while True:
            try:
                await self._bus.publish(message)
                return
            except StoreUnavailableError as error:
                failures += 1
                log.error("cannot dead-letter to %s (try %d): %s", message.topic, failures, error)
                delay = retry_delay_s(self._bus.tuning.retry_backoff_ms, failures)
                await asyncio.sleep(min(delay, DEAD_LETTER_RETRY_CAP_S))


class _KafkaSubscription(Subscription):
    def __init__(
        self,
        consumer: Consumer,
        delivery: _Delivery,
        *,
        on_close: Callable[[_KafkaSubscription], None],
        error_pause_s: float,
        lag: LagSampler,
    ) -> None:
        self._lag = lag
        self._consumer = consumer
        self._delivery = delivery
        self._on_close = on_close
        self._error_pause_s = error_pause_s
        # One thread makes every call on the consumer, queued one after the other: the
        # consumer must not be used from two threads at once, and a close() thus waits
        # for a poll still in flight instead of overlapping it.
        self._thread = concurrent.futures.ThreadPoolExecutor(1, "kafka-consumer")
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    async def start(self, topics: list[str], join_timeout_s: float) -> None:
        loop = asyncio.get_running_loop()
        joined: asyncio.Future[None] = loop.create_future()

        def on_assign(_consumer: Consumer, _partitions: list[TopicPartition]) -> None:
            # Runs inside poll(), on the consumer's thread.
            loop.call_soon_threadsafe(_settle, joined, None)

        await self._blocking(lambda: self._consumer.subscribe(topics, on_assign=on_assign))
        self._task = asyncio.create_task(self._consume(), name="kafka-bus-consumer")
        done, _ = await asyncio.wait(
            {joined, self._task}, timeout=join_timeout_s, return_when=asyncio.FIRST_COMPLETED
        )
        if joined not in done:
            await self.close()
            raise StoreUnavailableError(
                f"the consumer of {', '.join(topics)} was not assigned within {join_timeout_s} s"
            )

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._on_close(self)
        if self._task is not None:
            # Mid-handler the message stays uncommitted: the group gets it again.
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        # Queued behind a poll still in flight; leaves the group without committing.
        await self._blocking(self._consumer.close)
        self._thread.shutdown(wait=False)

    async def _consume(self) -> None:
        while True:
            try:
                await self._consume_one()
                await self._sample_lag()
            except Exception:
                # Keep consuming: a broken poll or commit must not silently end the member.
                log.exception("the Kafka consumer failed; polling again")
                await asyncio.sleep(self._error_pause_s)

    async def _sample_lag(self) -> None:
        if not self._lag.due() or self._lag.report is None:
            return
        for topic, behind in (await self._blocking(lambda: topic_lag(self._consumer))).items():
            self._lag.report(topic, behind)

    async def _consume_one(self) -> None:
        record = await self._blocking(lambda: self._consumer.poll(POLL_TIMEOUT_S))
        if record is None:
            return
        error = record.error()
        if error is not None:
            log.warning("Kafka consumer: %s", error.str())
            await asyncio.sleep(self._error_pause_s)
            return
        await self._delivery.handle(record)
        await self._commit(record)

    async def _commit(self, record: Message) -> None:
        try:
            partitions = await self._blocking(
                lambda: self._consumer.commit(message=record, asynchronous=False)
            )
        except KafkaException as error:
            # Usually a rebalance moved the partition: its next owner gets the message again.
            log.warning("commit after %s failed: %s", record.topic(), error)
            return
        for partition in partitions:
            if partition.error is not None:
                log.warning("commit of %s failed: %s", partition, partition.error.str())

    async def _blocking(self, call: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._thread, call)


def _bus_message(record: Message) -> BusMessage:
    key = record.key()
    return BusMessage(
        topic=record.topic() or "",
        value=record.value() or b"",
        key=None if key is None else _text(key),
        headers=_decoded_headers(record.headers()),
    )


def _decoded_headers(headers: _Headers | None) -> dict[str, str]:
    if headers is None:
        return {}
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    # A header repeated in the record: the last one wins, as in a dict.
    return {name: _text(value) for name, value in pairs}


def _text(value: str | bytes | None) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else value.decode(errors="replace")
