"""Save desk: triage of at-risk renewals, save plans, escalation, exits, win-back, post-save."""
