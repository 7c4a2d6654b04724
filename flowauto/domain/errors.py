"""Error categories of the domain; the HTTP layer maps each category to one status code."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error the domain and application raise on purpose."""

    code = "flowauto.Error"

    def __init__(self, message: str, *, detail: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail: dict[str, Any] = detail or {}


class NotFoundError(DomainError):
    code = "notfound.NotFound"


class ConflictError(DomainError):
    code = "conflict.Conflict"


class InvalidInputError(DomainError):
    """The request is malformed: a field is missing, of the wrong type or out of range."""

    code = "invalid.InvalidInput"


class SemanticError(DomainError):
    """The input is well-formed but means something invalid (an invalid DAG)."""

    code = "semantic.Invalid"


class TooLargeError(DomainError):
    code = "toolarge.TooLarge"


class ForbiddenError(DomainError):
    code = "forbidden.Forbidden"


class UnauthenticatedError(DomainError):
    code = "unauthenticated.Unauthenticated"


class UnavailableError(DomainError):
    """A dependency (a store, a broker, the identity provider) cannot be reached."""

    code = "unavailable.Unavailable"


class DagNotFoundError(NotFoundError):
    code = "notfound.DagNotFound"

    def __init__(self, dag_id: str) -> None:
        super().__init__(f"DAG {dag_id} not found", detail={"id": dag_id})


class DagVersionNotFoundError(NotFoundError):
    code = "notfound.DagVersionNotFound"

    def __init__(self, dag_id: str, version_id: str) -> None:
        super().__init__(
            f"version {version_id} of DAG {dag_id} not found",
            detail={"id": dag_id, "versionId": version_id},
        )


class DagTitleTakenError(ConflictError):
    code = "conflict.DagTitleTaken"

    def __init__(self, title: str) -> None:
        super().__init__(f"a DAG titled {title!r} already exists", detail={"title": title})


class DagRevisionConflictError(ConflictError):
    code = "conflict.DagRevisionConflict"

    def __init__(self, dag_id: str) -> None:
        super().__init__(
            f"DAG {dag_id} was changed concurrently; read it again and retry",
            detail={"id": dag_id},
        )


class DagVersionNotGreaterError(ConflictError):
    code = "conflict.DagVersionNotGreater"

    def __init__(self, given: str, latest: str) -> None:
        super().__init__(
            f"version {given} must be greater than the latest version {latest}",
            detail={"field": "version", "given": given, "latest": latest},
        )


class FieldInvalidError(InvalidInputError):
    """A request field is invalid; `field` names it (dotted path)."""

    code = "invalid.FieldInvalid"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}", detail={"field": field})
        self.field = field


class DagInvalidError(SemanticError):
    """A DAG document breaks a rule; names the step id (when one is involved) and the field."""

    code = "semantic.DagInvalid"

    def __init__(self, message: str, *, field: str, step_id: str | None = None) -> None:
        where = f"step {step_id}: " if step_id is not None else ""
        super().__init__(f"{where}{field}: {message}", detail={"step_id": step_id, "field": field})
        self.field = field
        self.step_id = step_id


class DocumentTooLargeError(TooLargeError):
    code = "toolarge.DocumentTooLarge"

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(
            f"the document is {size} bytes, over the limit of {limit} bytes",
            detail={"size": size, "limit": limit},
        )


class StoreUnavailableError(UnavailableError):
    code = "unavailable.StoreUnavailable"


class IdentityProviderUnavailableError(UnavailableError):
    code = "unavailable.IdentityProvider"

    def __init__(self, reason: str) -> None:
        super().__init__(f"the identity provider (Hydra) is unavailable: {reason}")


class RunNotFoundError(NotFoundError):
    code = "notfound.RunNotFound"

    def __init__(self, run_id: str) -> None:
        super().__init__(f"run {run_id} not found", detail={"id": run_id})


class TaskNotFoundError(NotFoundError):
    code = "notfound.TaskNotFound"

    def __init__(self, task_id: str) -> None:
        super().__init__(f"task {task_id} not found", detail={"id": task_id})


class RunStatusConflictError(ConflictError):
    """The run's status does not allow what was asked (resume a running run, ...)."""

    code = "conflict.RunStatusConflict"

    def __init__(self, run_id: str, current: str, wanted: str) -> None:
        super().__init__(
            f"run {run_id} is {current}; it cannot become {wanted}",
            detail={"id": run_id, "status": current, "wanted": wanted},
        )


class TaskStatusConflictError(ConflictError):
    code = "conflict.TaskStatusConflict"

    def __init__(self, task_id: str, current: str, wanted: str) -> None:
        super().__init__(
            f"task {task_id} is {current}; it cannot {wanted}",
            detail={"id": task_id, "status": current},
        )


class RunChangedError(ConflictError):
    """A compare-and-set on the run's event sequence lost: someone else changed it first."""

    code = "conflict.RunChanged"

    def __init__(self, run_id: str) -> None:
        super().__init__(f"run {run_id} changed meanwhile; try again", detail={"id": run_id})


class RunLeaseLostError(ConflictError):
    """The worker's lease on the run was fenced off (canceled, or another worker took it)."""

    code = "conflict.RunLeaseLost"

    def __init__(self, run_id: str) -> None:
        super().__init__(f"this worker no longer holds run {run_id}", detail={"id": run_id})


class ExecutorNotFoundError(NotFoundError):
    code = "notfound.ExecutorNotFound"

    def __init__(self, executor_id: str) -> None:
        super().__init__(f"executor {executor_id} not found", detail={"id": executor_id})


class ExecutorKeyTakenError(ConflictError):
    code = "conflict.ExecutorKeyTaken"

    def __init__(self, key: str) -> None:
        super().__init__(f"an executor with key {key!r} exists", detail={"key": key})


class ConnectionNotFoundError(NotFoundError):
    code = "notfound.ConnectionNotFound"

    def __init__(self, connection_id: str) -> None:
        super().__init__(f"connection {connection_id} not found", detail={"id": connection_id})


class ConnectionNameTakenError(ConflictError):
    code = "conflict.ConnectionNameTaken"

    def __init__(self, name: str) -> None:
        super().__init__(f"a connection named {name!r} already exists", detail={"name": name})


class ConnectionRevisionConflictError(ConflictError):
    code = "conflict.ConnectionRevisionConflict"

    def __init__(self, connection_id: str) -> None:
        super().__init__(
            f"connection {connection_id} was changed concurrently; read it again and retry",
            detail={"id": connection_id},
        )


class SecretUnreadableError(DomainError):
    """A stored secret cannot be decrypted with the configured keys (its key was dropped, or
    the data was altered). Not a category the HTTP table knows: a 500, since the server's
    configuration, not the caller, is at fault."""

    code = "internal.SecretUnreadable"

    def __init__(self) -> None:
        super().__init__("a stored secret cannot be decrypted with the configured keys")


class ComboKeyTakenError(ConflictError):
    code = "conflict.ComboKeyTaken"

    def __init__(self, key: str) -> None:
        super().__init__(f"a combo operator with key {key!r} exists", detail={"key": key})


class AlarmRuleNotFoundError(NotFoundError):
    code = "notfound.AlarmRuleNotFound"

    def __init__(self, rule_id: str) -> None:
        super().__init__(f"alarm rule {rule_id} not found", detail={"id": rule_id})


class AlarmNotSentError(UnavailableError):
    """A webhook or mail of an alarm could not be delivered (refused address, timeout, an
    error answer, the mail server down). Logged by the alarm service, never shown to users."""

    code = "unavailable.AlarmNotSent"


class MaintenanceOnError(UnavailableError):
    """The maintenance switch is on: reads work, writes wait."""

    code = "unavailable.Maintenance"

    def __init__(self, message: str) -> None:
        super().__init__(
            f"flowauto is in maintenance; writes are refused for now. {message}".strip(),
            detail={"maintenance": True},
        )


class RateLimitedError(DomainError):
    """The caller sent more requests than its share; `retry_after_s` says when to come back."""

    code = "ratelimit.TooManyRequests"

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(
            f"too many requests; try again in {retry_after_s} s",
            detail={"retry_after_s": retry_after_s},
        )
        self.retry_after_s = retry_after_s
