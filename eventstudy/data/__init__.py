"""Data in: exchange calendars, the securities registry, price-file importers, quality checks, the
Parquet store, Yahoo Finance and the incremental refresh. Never imports :mod:`eventstudy.stats`;
the two meet in the canonical bar frame (docs/architecture.md)."""
