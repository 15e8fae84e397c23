"""The web app: ``app.py`` builds the one FastAPI app, ``portal/`` the units' signed-link pages,
``csrf.py`` the double-submit token, ``templates/`` the Vietnamese pages."""
