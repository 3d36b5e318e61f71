"""What the screens (大屏, operator and field pages) read: one-call summaries over the services.

Nothing here owns data. Each function reads the services the rest of the API reads, applies
the same scope rules, and shapes the answer so a page needs one request instead of many.
"""
