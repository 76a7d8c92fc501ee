"""Data quality gates that stop bad warehouse tables before models and reports use them."""
