"""Strategies: the Strategy API, the catalog (built-ins + `trading.strategies` plugins)."""
