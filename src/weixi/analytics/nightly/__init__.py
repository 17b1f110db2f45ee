"""The nightly cycle: ingest, features, tiers, scores, stages, warnings, assignment, dispatch."""
