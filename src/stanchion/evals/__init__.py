"""Evaluation: datasets, runs through the real pipeline, experiments, gates; and the human
side of it, feedback and the review queue."""
