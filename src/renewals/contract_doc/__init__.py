"""Renewal contracts: generate, approve, sign and store the executed document (TECH-4)."""
