"""Forecasting: renewal likelihood (policy prior or learned model), revenue forecasts, backtests."""
