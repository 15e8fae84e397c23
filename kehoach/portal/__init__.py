"""The web portal: ``app.py`` builds the FastAPI app, ``routes.py`` the unit submission pages,
``csrf.py`` the double-submit token, ``templates/`` the Vietnamese pages."""
