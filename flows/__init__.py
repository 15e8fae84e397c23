"""Thin Prefect flows over the ``kehoach`` domain package, one file per entrypoint of prefect.yaml:

    sync.py        sync_flow        plans and contacts → outbox (idempotent), each morning
    dispatch.py    dispatch_flow    send what is due and record every outcome, every 15 minutes
    recurring.py   recurring_flow   task reminders ("thường xuyên", monthly, by a date)
    collection.py  collection_flow  per plan: open periods, chase, escalate, close, start the roll-up;
                                    without a plan, one subflow per active plan and period (fanout.py)
    campaign.py    campaign_flow    per plan and year: the Action Month (15/11–15/12) and occasions;
                                    without a plan, one subflow per plan in a campaign today
    rollup.py      rollup_flow      per plan and period: totals, the draft báo cáo, the office told

Each flow gets ``now`` and its parameters, calls one or a few tasks over ``kehoach``,
publishes artifacts (artifacts.py) and returns a JSON-safe summary.
"""
