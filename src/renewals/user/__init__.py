"""Users: the people who run renewals (CSMs, managers, executives...) and their roles."""
