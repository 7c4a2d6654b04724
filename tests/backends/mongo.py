"""Fixtures for the MongoDB wire-protocol backend (secantusdb). Filled by the Mongo adapter work."""
