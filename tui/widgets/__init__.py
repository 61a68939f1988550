"""Reusable widgets of the explorer's frame and views."""
