"""The contract language: rule templates, conditions and expressions, calendar arithmetic,
contracts and proposals, compiled into engine rules.
"""
