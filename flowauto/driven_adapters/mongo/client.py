"""The MongoDB client, with timeouts that turn an unreachable server into a quick error."""

from __future__ import annotations

from typing import Any

from pymongo import AsyncMongoClient


def create_mongo_client(url: str) -> AsyncMongoClient[dict[str, Any]]:
    """The database is the URL's path (`mongodb://host/flowauto`), `flowauto` when absent."""
    return AsyncMongoClient(
        url,
        serverSelectionTimeoutMS=5000,
        connectTimeoutMS=5000,
        socketTimeoutMS=30000,
        appname="flowauto",
    )
