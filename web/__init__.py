"""The Pingyi web application: FastAPI routes, templates, static files and translations."""
