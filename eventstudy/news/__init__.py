"""News claims: events.csv, the claims run over the store and the statistics, and the verdicts."""
