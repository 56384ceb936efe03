"""The townhall web app: FastAPI with GOV.UK Frontend pages, one router per capability, access by role.

``create_app(workspace)`` builds the app; ``serve(folder)`` runs it on this machine with uvicorn.
"""

from __future__ import annotations

from pathlib import Path

from townhall.web.app import create_app
from townhall.web.assets import AssetsNotBuiltError
from townhall.web.capabilities import CAPABILITIES, Capability

__all__ = ["CAPABILITIES", "AssetsNotBuiltError", "Capability", "create_app", "serve"]


def serve(workspace_path: Path, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the web app for the workspace at ``workspace_path`` until stopped (Ctrl+C)."""
    import uvicorn

    app = create_app(workspace_path)
    uvicorn.run(app, host=host, port=port, server_header=False, proxy_headers=False, log_level="info")
