"""The office console: pages behind a login, beside the units' signed-link pages.

    accounts.py  staff accounts: argon2 hashes, lockout after repeated failures
    roles.py     the roles an account may have
    sessions.py  server-side sessions: a random cookie token, its hash and expiry in the database
    scope.py     which plans and units an account may see (its office's; every office for an admin)
    attention.py the home page's list: deadlines soon, overdue units, drafts to approve, failed deliveries
    board.py     the follow-up board of one plan and period
    auth.py      the request side: current user, role checks, CSRF, the login rate limit
    routes.py    the pages: login, logout, home, plan, follow-up board, accounts
    review_pages.py  the báo cáo of a period: versions of the office's texts, approval, sending upward
    kept_forms.py    text posted after the session ended, kept for the poster until they log in again
    admin_pages.py   the operations page: dispatch runs, failed deliveries, Prefect's flow runs
"""
