"""The maintenance switch: while on, public writes answer 503 and reads still work."""

from __future__ import annotations

from flowauto.bootstrap import build_in_memory
from tests.documents import dag_document
from tests.http_client import API, TokenAuthenticator, as_user, private_client, public_client

ANN = as_user("ann")
OPERATOR = {"X-User-Id": "operator"}


async def test_writes_wait_while_the_switch_is_on() -> None:
    services = build_in_memory(authenticator=TokenAuthenticator())
    async with public_client(services) as public, private_client(services) as private:
        assert (await private.get("/admin/switch", headers=OPERATOR)).json()["enabled"] is False
        on = {"enabled": True, "message": "Upgrading until 10:00"}
        flipped = await private.put("/admin/switch", headers=OPERATOR, json=on)
        assert flipped.json()["updated_by"] == "operator"
        assert flipped.json()["enabled"] is True
        assert flipped.json()["message"] == "Upgrading until 10:00"
        refused = await public.post(f"{API}/dags", json=dag_document(), headers=ANN)
        assert refused.status_code == 503
        assert refused.json()["code"] == "unavailable.Maintenance"
        assert "Upgrading until 10:00" in refused.json()["message"]
        assert (await public.get(f"{API}/dags", headers=ANN)).status_code == 200
        await private.put("/admin/switch", headers=OPERATOR, json={"enabled": False})
        accepted = await public.post(f"{API}/dags", json=dag_document(), headers=ANN)
        assert accepted.status_code == 201
        bad = await private.put("/admin/switch", headers=OPERATOR, json={"enabled": "yes"})
        assert (bad.status_code, bad.json()["detail"]["field"]) == (400, "enabled")
        old_body = await private.put("/admin/switch", headers=OPERATOR, json={"maintenance": True})
        assert old_body.status_code == 400


async def test_the_switch_reads_back_under_the_api_prefix_too() -> None:
    services = build_in_memory()
    async with private_client(services) as private:
        on = {"enabled": True, "message": "Back soon"}
        await private.put(f"{API}/admin/switch", headers=OPERATOR, json=on)
        answer = (await private.get("/admin/switch", headers=OPERATOR)).json()
    assert answer["enabled"] is True
    assert answer["message"] == "Back soon"
    assert set(answer) == {"enabled", "message", "updated_at", "updated_by"}
