"""Executive escalation (ESC-1, ESC-2): when an at-risk renewal is worth an executive's
time, the brief the CSM prepares, and the four protocol steps."""
