"""Backends: each turns the checked model into artifacts (path -> bytes).

A backend reads only model.Policy; it never knows a programme by name.
"""
