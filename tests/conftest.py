"""Shared fixtures; each backend's fixtures live in tests/backends/."""

pytest_plugins = [
    "tests.backends.sql",
    "tests.backends.mongo",
    "tests.backends.redis",
    "tests.backends.kafka",
    "tests.backends.hydra",
]
