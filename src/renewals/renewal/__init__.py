"""Renewals: the dated decision of each open contract, its segment, motion, owner and stage."""
