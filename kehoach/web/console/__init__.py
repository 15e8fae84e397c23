"""The office console: pages behind a login, beside the units' signed-link pages.

    accounts.py  staff accounts: argon2 hashes, lockout after repeated failures
    roles.py     the roles an account may have
    sessions.py  server-side sessions: a random cookie token, its hash and expiry in the database
    scope.py     which plans and units an account may see (its office's; every office for an admin)
    attention.py the home page's list: deadlines soon, overdue units, failed deliveries
    board.py     the follow-up board of one plan and period
    auth.py      the request side: current user, role checks, CSRF, the login rate limit
    routes.py    the pages: login, logout, home, plan, follow-up board, accounts
"""
