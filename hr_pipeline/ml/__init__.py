"""Point-in-time features, training, the model registry, scoring and routing."""
