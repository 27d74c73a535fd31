"""Paper execution: simulated fills against live books, through the executor interface.

`PaperExecutor` is an `OrderExecutor` (and its `account` an `AccountAdapter`),
so the runtime treats paper and live alike. Feed it the venue's books and
trades (`on_book`, `on_trade`: it is a feed tap), funding and marks for the
venue hooks, and `start()` it so requests with latency complete on their own.
Venue packages customise it with `PaperVenueRules`, `PaperVenueHooks` and a
`FeeModel`.
"""
