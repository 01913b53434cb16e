"""Reading: event logs (JSON lines, JSON, CSV, Parquet, SQL), YAML files and the workspace config,
validated into typed values.
"""
