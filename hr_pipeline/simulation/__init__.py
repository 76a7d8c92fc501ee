"""The closed-loop simulation: a synthetic world that steps week by week and reads the pipeline's outbox."""
