"""The reports' figures: each module computes one report's rows with SQL aggregates."""
