"""Auth mode `hydra`: bearer tokens introspected at Ory Hydra's admin API (RFC 7662)."""
