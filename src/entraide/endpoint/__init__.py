"""The form endpoint: a WSGI application (no web framework) turning residents' forms into pending entries.

`app.create_app(config)` builds it; `serve.py` runs it under waitress; `lambda_handler.py` runs it on AWS
Lambda. The pure part (form fields → entry) lives in `entraide.submission`, shared with `entraide new`.
"""
