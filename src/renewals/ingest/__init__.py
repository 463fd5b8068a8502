"""Ingest: the canonical import format, validated whole before anything is written."""
