"""Demo book of business: the generator and the `demo`, `demo-data` commands."""
