"""renewals: open-source renewal management for B2B SaaS customer-success teams."""

__version__ = "0.1.0"
