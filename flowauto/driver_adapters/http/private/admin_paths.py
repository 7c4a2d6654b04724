"""Where the operator routes live on the private port.

SPEC section 8 lists them under the API prefix; earlier releases served them at the root
(`/admin/switch`), so both are served and neither breaks."""

from __future__ import annotations

from flowauto.driver_adapters.http.paths import API_PREFIX

ADMIN_ROOTS = ("/admin", f"{API_PREFIX}/admin")


def admin_paths(tail: str) -> list[str]:
    """`tail` (e.g. "/workers") under every admin root."""
    return [f"{root}{tail}" for root in ADMIN_ROOTS]
