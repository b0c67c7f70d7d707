"""Actions that span models, each atomic, validated and writing its own audit entry.

setup: campaigns and partners. material: submitting, reviewing and downloading material.
notifications: who is told what, by e-mail and on their home page.
"""
