"""`renewals doctor`: checks a set-up and says what to fix (issue 19)."""
