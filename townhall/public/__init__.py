"""The public site for residents (the assistant today; open data later): no sign-in, no staff pages, no records.

``create_public_app(workspace)`` builds it; ``serve_public(folder)`` runs it with uvicorn. Add a part of the site by
appending a ``PublicSection`` to ``PUBLIC_SECTIONS``.
"""

from townhall.public.app import PUBLIC_SECTIONS, PublicSection, create_public_app, render_public, serve_public

__all__ = ["PUBLIC_SECTIONS", "PublicSection", "create_public_app", "render_public", "serve_public"]
