"""dbt wiring (dagster-dbt) for the skills-and-outcomes warehouse."""
