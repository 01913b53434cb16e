"""Renderers of a CheckResult: one module per format."""
