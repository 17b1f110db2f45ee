"""versioned."""
