"""crm: customers as YAML files in git, graded and followed up in a terminal UI."""

__version__ = "0.1.0"
