"""The FastAPI application: API and console."""
