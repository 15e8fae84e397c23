"""Running the flows: ``schedules.py`` reads prefect.yaml's schedules, ``runner.py`` is the
embedded APScheduler runner, ``agenda.py`` the days a plan has something to do,
``work.py`` which plans and periods have work now,
``simulation.py`` a simulated year against a moving clock."""
