"""What the pipeline hands back to the source systems after each run: the outbound extracts."""
