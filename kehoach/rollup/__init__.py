"""Roll-up of one report period, in data-flow order:

    totals.py       pure sums, narratives and computed rates
    build.py        Rollup: the stored submissions of a period, summed
    report_docx.py  the draft báo cáo in the layout of Nghị định 30/2020/NĐ-CP
    summary.py      Markdown/HTML summary (email body, Prefect artifact) and the CSV
    upward.py       a roll-up submitted to the plan above, so roll-ups compose level by level
"""
