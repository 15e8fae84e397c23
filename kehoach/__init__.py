"""kehoach: Vietnamese government plans (KẾ HOẠCH) as reminders, report collection and roll-ups.

The domain, in data-flow order (it never imports Prefect or flows/):

    plans/          the plan model, the shared unit directory, YAML loading and validation
    calendar.py     working days, holidays.VN, a due date on a day off
    expansion/      (plan, year) → notifications with stable keys; sync into the outbox
    notification.py the value the outbox stores
    store/          the outbox, submissions and their tables
    delivery/       dispatcher, preparation, digest, pacing, lateness, channels, activity
    submissions/    signed links, forms at the door, recording, tracking, collection
    rollup/         totals, sections, the báo cáo DOCX, upward
    web/            the web app: units' pages (portal/)
    runtime/        embedded runner, schedules, agenda, simulation
    cli/            the ``kehoach`` command; with web/ and flows/ the only clock readers
"""
