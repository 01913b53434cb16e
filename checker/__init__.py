"""contract-check: replay an event log against a contract's obligations through a Rete engine."""

__version__ = "0.1.0"
