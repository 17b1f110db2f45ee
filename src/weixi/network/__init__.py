"""Radio cells, their monthly counters, and the cells each customer's traffic uses."""
