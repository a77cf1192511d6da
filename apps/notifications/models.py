"""Not built yet: see README "Not done yet"."""
