"""The engine runtime: feeds, bots, order routing, fail-closed, leases, commands.

Everything here wires the pure core (books, state machine, order tracking,
risk, paper execution) to the venues and to Redis. It never imports a venue
module: venues come from `adapters.registry`, strategies from
`strategies.registry`.
"""
