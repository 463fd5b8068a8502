"""Contracts: what each account bought, when it renews and how past renewals ended."""
