"""One thin router per capability; access is declared in townhall.web.app and townhall.web.capabilities."""
