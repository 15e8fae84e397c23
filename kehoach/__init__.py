"""kehoach: Vietnamese government plans (KẾ HOẠCH) as reminders, report collection and roll-ups.

The domain, in data-flow order (it never imports Prefect or flows/):

    plan.py, directory.py, contacts.py   the plan model, the shared unit directory, contact values
    plan_loader.py, config.py            YAML → validated models, every error located
    calendar.py                          working days, holidays.VN, a due date on a day off
    expansion/                           (plan, year) → notifications with stable keys
    notification.py                      the value the outbox stores
    store/, sync.py, digest.py, dispatcher.py   the outbox and its delivery
    submissions/, rollup/, portal/       units' reports, completeness, the báo cáo
    cli/                                 the ``kehoach`` command; with portal/ and flows/ the only clock readers
"""
