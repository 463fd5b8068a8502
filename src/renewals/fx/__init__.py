"""Currencies: FX rates and conversion of totals to the reporting currency (issue 19)."""
