"""Named, parameterised queries that the data plan and the UI use to read the store."""
