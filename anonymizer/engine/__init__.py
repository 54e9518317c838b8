"""Veil's detection and transformation engine: plain Python, no Django, no ORM.

Functions here take text and return frozen dataclasses, so they are fast to test and benchmark.
"""
