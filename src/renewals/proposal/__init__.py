"""Proposals: value summaries (FUND-5, ROI-1) and good/better/best pricing (BUN-*, MY-*)."""
