"""Risk: pre-trade checks, post-trade limits, portfolio aggregation, kill switch, sizing.

How the runtime wires it (one of each per engine):
- `RiskManager(positions=, orders=, market=, fx=, clock=, kill_switch=, portfolio=)`;
  `register_bot(bot_id, config.riskLimits, capital_usd=...)` when a bot starts.
- every intent: `decision = rm.check(intent)` right before `executor.place`; if
  the intent is then not sent, `rm.discard(bot_id, client_order_id)`. A refused
  decision with `decision.breach` set is a hard breach: `await rm.enforce(...)`.
- after fills and on ticks: `rm.evaluate(bot_id)` and `portfolio.evaluate()`;
  for each hard breach, `rm.enforce(bot_id, breach, control)` (scope bot) or
  `portfolio.enforce(breach, fleet)` (scope portfolio). Publish `breach.to_payload()`.
- kill switch command: `await kill_switch.engage(fleet, reason)`.
"""
