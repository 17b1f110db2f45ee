"""Analytics: features, churn models, account-manager assignment, the nightly pipeline."""
