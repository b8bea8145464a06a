"""Evaluation: the concurrent, resumable runner, the run log, metrics, reports and audits."""
