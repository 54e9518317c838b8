"""Pipelines on a schedule: a source folder, a data class, a purpose and a policy; each run
imports, detects, queues review, and exports when the review is cleared."""
