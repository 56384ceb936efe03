"""The access log never holds personal data: query strings (API search terms) are left out."""

from __future__ import annotations

import logging

from townhall.web import QueryStringsLeftOut


def test_the_access_log_keeps_the_path_but_not_the_search_terms() -> None:
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "GET", "/api/people?name=Ann+Lee&date_of_birth=1980-02-01", "1.1",
                                200), None)
    assert QueryStringsLeftOut().filter(record)
    assert record.getMessage() == '127.0.0.1:5000 - "GET /api/people HTTP/1.1" 200'
