"""Alarms out: webhooks over httpx behind the SSRF guard, mails over SMTP.

Mail goes through the standard library's `smtplib` in a worker thread (`asyncio.to_thread`)
rather than an async SMTP client: it is in the standard library (no dependency to vet and
keep), alarm mails are rare, and one short-lived thread per mail, bounded by a timeout, never
blocks the event loop. Kept on purpose; revisit only if mail volume grows.
"""

from __future__ import annotations

import asyncio
import json
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

import httpx

from flowauto.domain.errors import AlarmNotSentError
from flowauto.domain.step_failure import StepFailure
from flowauto.driven_adapters.http.address_guard import AddressGuard
from flowauto.ports.alarm_notifier import AlarmNotifier

WEBHOOK_TIMEOUT_S = 5.0
SMTP_TIMEOUT_S = 10.0
"""Bounds each socket operation of a mail (connect, every command and reply)."""


class HttpSmtpAlarmNotifier(AlarmNotifier):
    """`smtp_user` empty means no login; `starttls` upgrades the connection before login."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        guard: AddressGuard,
        smtp_host: str,
        smtp_port: int,
        sender: str,
        smtp_user: str = "",
        smtp_password: str = "",
        starttls: bool = False,
    ) -> None:
        self._http = http
        self._guard = guard
        self._smtp = _SmtpTarget(
            host=smtp_host, port=smtp_port, user=smtp_user, password=smtp_password,
            starttls=starttls,
        )  # fmt: skip
        self._sender = sender

    async def webhook(self, url: str, payload: Mapping[str, Any]) -> None:
        host = urlsplit(url).hostname or "?"
        try:
            await self._guard.check(url)
        except StepFailure as error:
            raise AlarmNotSentError(f"webhook to {host} refused: {error}") from error
        body = json.dumps(payload, ensure_ascii=False).encode()
        try:
            # No redirects: a redirect could lead past the guard, and a receiver has no
            # reason to move an alarm elsewhere.
            response = await self._http.post(
                url, content=body, headers={"Content-Type": "application/json"},
                timeout=WEBHOOK_TIMEOUT_S, follow_redirects=False,
            )  # fmt: skip
        except httpx.TimeoutException as error:
            raise AlarmNotSentError(f"webhook to {host} timed out") from error
        except httpx.HTTPError as error:
            raise AlarmNotSentError(f"webhook to {host} failed: {type(error).__name__}") from error
        if not response.is_success:
            raise AlarmNotSentError(f"webhook to {host} answered {response.status_code}")

    async def email(self, to: Sequence[str], subject: str, body: str) -> None:
        try:
            message = _message(self._sender, to, subject, body)
        except ValueError as error:
            # EmailMessage refuses line breaks in headers (header injection).
            raise AlarmNotSentError(f"mail not composed: {error}") from error
        try:
            await asyncio.to_thread(self._smtp.send, message)
        except (smtplib.SMTPException, OSError) as error:
            raise AlarmNotSentError(
                f"mail to {len(to)} recipient(s) via {self._smtp.host}:{self._smtp.port} "
                f"failed: {type(error).__name__}: {error}"
            ) from error


class _SmtpTarget:
    """One SMTP server; `send` blocks, so it runs in a worker thread."""

    def __init__(self, *, host: str, port: int, user: str, password: str, starttls: bool) -> None:
        self.host = host
        self.port = port
        self._user = user
        self._password = password
        self._starttls = starttls

    def __repr__(self) -> str:
        # Never with the password (reprs end up in logs and tracebacks).
        return f"_SmtpTarget({self.host}:{self.port}, user={self._user!r})"

    def send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT_S) as smtp:
            if self._starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self._user:
                smtp.login(self._user, self._password)
            smtp.send_message(message)


def _message(sender: str, to: Sequence[str], subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message.set_content(body)
    return message
