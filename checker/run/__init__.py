"""Running: the rules engine, the replay of an event log, the verdicts and the contract's state.
"""
