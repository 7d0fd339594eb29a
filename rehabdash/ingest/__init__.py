"""Reading and checking extracts before they reach the store (the import pipeline)."""
