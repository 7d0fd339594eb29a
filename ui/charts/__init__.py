"""The one chart panel every dashboard page uses (issue 11 item 2)."""
