"""The HTTP API under /api/v1/ (django-ninja), its tokens and the token pages."""
