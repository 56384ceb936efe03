"""The townhall web app: FastAPI with GOV.UK Frontend pages, one router per capability, access by role.

``create_app(workspace)`` builds the app; ``serve(folder)`` runs it on this machine with uvicorn.
"""

from __future__ import annotations

import logging
from pathlib import Path

from townhall.web.app import create_app
from townhall.web.assets import AssetsNotBuiltError
from townhall.web.capabilities import CAPABILITIES, Capability

__all__ = ["CAPABILITIES", "AssetsNotBuiltError", "Capability", "QueryStringsLeftOut", "create_app", "serve"]


class QueryStringsLeftOut(logging.Filter):
    """Write request paths to the access log without their query strings, which can hold search terms (names,
    dates of birth) from the JSON API: personal data is never logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) >= 3 and isinstance(record.args[2], str):
            arguments = list(record.args)
            arguments[2] = arguments[2].split("?", 1)[0]
            record.args = tuple(arguments)
        return True


def serve(workspace_path: Path, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the web app for the workspace at ``workspace_path`` until stopped (Ctrl+C)."""
    import uvicorn

    app = create_app(workspace_path)
    logging.getLogger("uvicorn.access").addFilter(QueryStringsLeftOut())
    uvicorn.run(app, host=host, port=port, server_header=False, proxy_headers=False, log_level="info")
