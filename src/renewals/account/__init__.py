"""Accounts: the customer companies, their stakeholders and their business goals."""
