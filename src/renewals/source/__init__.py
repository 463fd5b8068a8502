"""Sources: product events over the Segment/RudderStack HTTP API, warehouses, CSV deltas."""
