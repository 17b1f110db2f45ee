"""Work orders (工单): the closed loop from dispatch to verified callback."""
