"""Usage: product-usage events, kept as Parquet where the analytics engine reads them."""
