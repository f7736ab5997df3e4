"""Checks of each chapter's glued numbers, one file per chapter (test_<chapter>.py)."""
