"""Shipped data files, loaded by name through rehabdash.resources_access."""
