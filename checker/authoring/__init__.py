"""Tools for people who write contracts: scenarios, explain, the rule catalogue, clause diffs,
waivers, the agenda and the term-policy linter.
"""
