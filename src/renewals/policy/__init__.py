"""Policy: every tunable rule of DOMAIN.md as validated data, with its rule ID."""
