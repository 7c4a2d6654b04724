"""Connection use cases on the in-memory repository and a real FernetSecretBox."""

from __future__ import annotations

import json
from typing import Any

import pytest

from flowauto.application.connection_service import (
    ConnectionDraft,
    ConnectionPatch,
    ConnectionService,
)
from flowauto.domain.connection import ConnectionQuery, ConnectionType
from flowauto.domain.errors import (
    ConflictError,
    ConnectionNameTakenError,
    ConnectionNotFoundError,
    FieldInvalidError,
    ForbiddenError,
)
from flowauto.domain.identity import Identity
from flowauto.domain.ids import IdGenerator
from flowauto.domain.step_failure import StepFailure
from flowauto.driven_adapters.crypto.fernet_secret_box import FernetSecretBox
from flowauto.driven_adapters.in_memory.connection_repository import (
    InMemoryConnectionRepository,
)
from flowauto.driven_adapters.system_clock import SystemClock
from flowauto.driver_adapters.http.public.connection_schemas import (
    ConnectionCreateBody,
    render_connection,
)

OWNER = Identity(user_id="owner")
COLLEAGUE = Identity(user_id="colleague")
ADMIN = Identity(user_id="boss", roles=frozenset({"admin"}))
OUTSIDER = Identity(user_id="owner", biz_domain="elsewhere")
PASSWORD = "hunter2-do-not-leak"


def make_service(
    repository: InMemoryConnectionRepository | None = None,
    box: FernetSecretBox | None = None,
) -> ConnectionService:
    clock = SystemClock()
    return ConnectionService(
        repository=repository or InMemoryConnectionRepository(),
        box=box or FernetSecretBox.generated(),
        ids=IdGenerator(0, clock.now_ms),
        clock=clock,
    )


def draft(**overrides: Any) -> ConnectionDraft:
    fields: dict[str, Any] = {
        "name": "billing-db",
        "type": ConnectionType.MYSQL,
        "config": {"host": "db.internal", "port": 3306},
        "secrets": {"password": PASSWORD, "user": "app"},
    }
    fields.update(overrides)
    return ConnectionDraft(**fields)


async def test_a_created_connection_reads_back_without_secret_values() -> None:
    service = make_service()

    created = await service.create(OWNER, draft())
    read = await service.get(COLLEAGUE, created.id)

    assert read == created
    assert (read.name, read.type, read.userid) == ("billing-db", ConnectionType.MYSQL, "owner")
    assert read.config == {"host": "db.internal", "port": 3306}
    assert read.secret_keys == ("password", "user")
    for shown in (repr(read), json.dumps(render_connection(read)), repr(draft())):
        assert PASSWORD not in shown
    assert render_connection(read)["secret_keys"] == ["password", "user"]


async def test_secrets_are_stored_encrypted() -> None:
    repository = InMemoryConnectionRepository()
    service = make_service(repository)
    await service.create(OWNER, draft())

    stored = await repository.encrypted_secrets("default", "billing-db")

    assert stored is not None
    assert PASSWORD.encode() not in stored["password"]
    assert await service.secret("default", "billing-db", "password") == PASSWORD


async def test_everyone_in_the_domain_lists_and_reads_but_no_one_outside() -> None:
    service = make_service()
    created = await service.create(OWNER, draft())
    await service.create(OUTSIDER, draft(name="theirs"))

    listed = await service.find(COLLEAGUE, ConnectionQuery(biz_domain_id="ignored"))

    assert [c.id for c in listed.items] == [created.id]
    with pytest.raises(ConnectionNotFoundError):
        await service.get(OUTSIDER, created.id)


async def test_only_the_owner_and_admins_change_or_delete() -> None:
    service = make_service()
    created = await service.create(OWNER, draft())

    with pytest.raises(ForbiddenError):
        await service.update(COLLEAGUE, created.id, ConnectionPatch(config={}))
    with pytest.raises(ForbiddenError):
        await service.delete(COLLEAGUE, created.id)
    by_owner = await service.update(OWNER, created.id, ConnectionPatch(config={"a": 1}))
    by_admin = await service.update(ADMIN, created.id, ConnectionPatch(config={"b": 2}))

    assert (by_owner.revision, by_admin.revision) == (2, 3)
    assert by_admin.userid == "owner"
    await service.delete(ADMIN, created.id)
    with pytest.raises(ConnectionNotFoundError):
        await service.get(OWNER, created.id)
    with pytest.raises(ConnectionNotFoundError):
        await service.delete(OWNER, created.id)


async def test_update_keeps_absent_secrets_and_replaces_given_ones() -> None:
    service = make_service()
    created = await service.create(OWNER, draft())

    kept = await service.update(OWNER, created.id, ConnectionPatch(config={"host": "new"}))
    assert kept.secret_keys == ("password", "user")
    assert await service.secret("default", "billing-db", "password") == PASSWORD

    replaced = await service.update(OWNER, created.id, ConnectionPatch(secrets={"token": "t0k3n"}))
    assert replaced.secret_keys == ("token",)
    assert replaced.config == {"host": "new"}
    assert await service.get(OWNER, created.id) == replaced
    assert await service.secret("default", "billing-db", "token") == "t0k3n"
    with pytest.raises(StepFailure):
        await service.secret("default", "billing-db", "password")


async def test_update_may_rename_and_retype() -> None:
    service = make_service()
    created = await service.create(OWNER, draft())

    changed = await service.update(
        OWNER, created.id, ConnectionPatch(name="renamed", type=ConnectionType.GENERIC)
    )

    assert (changed.name, changed.type) == ("renamed", ConnectionType.GENERIC)
    assert await service.secret("default", "renamed", "user") == "app"


async def test_a_name_is_unique_per_domain() -> None:
    service = make_service()
    first = await service.create(OWNER, draft())
    other = await service.create(OWNER, draft(name="other"))

    with pytest.raises(ConnectionNameTakenError) as raised:
        await service.create(COLLEAGUE, draft())
    assert isinstance(raised.value, ConflictError)
    with pytest.raises(ConnectionNameTakenError):
        await service.update(OWNER, other.id, ConnectionPatch(name=first.name))
    await service.create(OUTSIDER, draft())


@pytest.mark.parametrize(
    "name", ["", "has space", "dotted.name", "x" * 129, "ünï", "a/b", "trailing\n"]
)
async def test_a_bad_name_is_refused_naming_the_field(name: str) -> None:
    service = make_service()

    with pytest.raises(FieldInvalidError) as raised:
        await service.create(OWNER, draft(name=name))
    assert raised.value.field == "name"


@pytest.mark.parametrize("name", ["a", "A-b_9", "x" * 128, "123"])
async def test_names_of_letters_digits_underscores_and_dashes_are_fine(name: str) -> None:
    assert (await make_service().create(OWNER, draft(name=name))).name == name


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"secrets": {"bad key": "v"}}, "secrets"),
        ({"secrets": {"k": 42}}, "secrets.k"),
        ({"secrets": {"k": "x" * 20_000}}, "secrets.k"),
        ({"config": {"when": object()}}, "config"),
        ({"config": {"big": "x" * 40_000}}, "config"),
        ({"config": ["not", "an", "object"]}, "config"),
        ({"type": "ftp"}, "type"),
    ],
)
async def test_bad_fields_are_refused_naming_the_field(changes: dict[str, Any], field: str) -> None:
    service = make_service()

    with pytest.raises(FieldInvalidError) as raised:
        await service.create(OWNER, draft(**changes))
    assert raised.value.field == field
    assert PASSWORD not in raised.value.message


async def test_a_bad_patch_is_refused_before_anything_changes() -> None:
    service = make_service()
    created = await service.create(OWNER, draft())

    with pytest.raises(FieldInvalidError):
        await service.update(OWNER, created.id, ConnectionPatch(secrets={"a.b": "v"}))
    assert await service.get(OWNER, created.id) == created


async def test_find_pages_by_name() -> None:
    service = make_service()
    for name in ("c", "a", "b"):
        await service.create(OWNER, draft(name=name))

    page = await service.find(OWNER, ConnectionQuery(biz_domain_id="default", page=1, limit=2))

    assert (page.total, page.page, page.limit) == (3, 1, 2)
    assert [c.name for c in page.items] == ["c"]
    with pytest.raises(FieldInvalidError):
        await service.find(OWNER, ConnectionQuery(biz_domain_id="default", limit=0))


async def test_secret_lookup_failures_name_connection_and_key_but_no_value() -> None:
    repository = InMemoryConnectionRepository()
    service = make_service(repository)
    await service.create(OWNER, draft())
    rotated_away = make_service(repository)  # another key: the stored tokens do not open

    failures = []
    for call in (
        service.secret("default", "nowhere", "password"),
        service.secret("default", "billing-db", "missing"),
        service.secret("elsewhere", "billing-db", "password"),
        rotated_away.secret("default", "billing-db", "password"),
    ):
        with pytest.raises(StepFailure) as raised:
            await call
        failures.append(raised.value.reason)

    assert "'nowhere'" in failures[0]
    assert "'billing-db'" in failures[1]
    assert "'missing'" in failures[1]
    assert "'billing-db'" in failures[3]
    assert "'password'" in failures[3]
    assert all(PASSWORD not in reason and "app" not in reason for reason in failures)


def test_request_bodies_hide_secret_values_in_their_repr() -> None:
    body = ConnectionCreateBody(name="n", type="http", secrets={"password": PASSWORD})

    assert PASSWORD not in repr(body)
    assert "password" in repr(body)
