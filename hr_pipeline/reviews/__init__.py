"""The reviews people read: the rendered review report over the weekly and quarterly review tables."""
