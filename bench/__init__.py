"""Benchmarks for the campaign partner portal: measured figures, not pass/fail tests.

Run them with `python -m bench` (all) or `python -m bench downloads` (some); see __main__.py.
"""
