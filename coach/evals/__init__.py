"""Evaluations of the coach itself: grader agreement, retrieval, simulated interviews."""
