"""Concessions: requests checked against the policy, routed up the approval chain, audited."""
