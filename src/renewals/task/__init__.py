"""Tasks: dated work for a person (a playbook step, a review meeting, a save-plan kickoff),
one model, one rule for "overdue" and one queue (ensure, complete, snooze, list) that every
slice uses (issue 14)."""
