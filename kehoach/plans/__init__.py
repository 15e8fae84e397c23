"""The plan side: what a plan says and who it names.

    model.py      Plan, Task, Report, Campaign, Occasion, ReminderPolicy, indicators
    directory.py  the shared unit directory (org tree, groups, contacts)
    contacts.py   contact values: emails, Zalo phones
    loader.py     YAML → validated models, every error with file, YAML path and line
    config.py     the whole configuration: directory, calendar, plans
"""
