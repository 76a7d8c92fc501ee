"""Monitoring of the data the models see, so that a change in the inputs is noticed."""
