"""Local stand-ins for flowauto's external services: an Ory Hydra look-alike (OAuth2 token
endpoint, admin token introspection) and a user directory, for development and tests.

Not part of the installed package; run it from the repository root with
`python -m mock_server --port 4445`. See docs/mock_server.md.
"""
