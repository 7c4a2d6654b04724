"""URL prefixes shared by both HTTP apps."""

API_PREFIX = "/api/automation/v1"
