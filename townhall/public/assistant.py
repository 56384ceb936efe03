"""The residents' assistant pages: one question per page, plain HTML forms that work without JavaScript.

The resident's conversation is found by a random token in their session cookie, so nobody else's can be reached.
Every form posts back here; a successful answer redirects to the next page (so reloading never sends twice) and a
wrong one shows the page again with a GOV.UK error message.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from townhall.assistant.conversation import (
    Assistant,
    ConversationClosedError,
    ConversationNotFoundError,
    Page,
    delete_expired_transcripts,
)
from townhall.assistant.flows import HANDOVER_FLOW
from townhall.assistant.messages import _
from townhall.public.app import current_language, render_public

router = APIRouter()

CONVERSATION_KEY = "conversation"
PURGE_EVERY_SECONDS = 3600
START = "/assistant"


def assistant_of(request: Request) -> Assistant:
    """The app's assistant (trained once, on first use), with expired transcripts deleted at most hourly."""
    state = request.app.state
    if not hasattr(state, "assistant"):
        state.assistant = Assistant(state.workspace)
        state.last_purge = 0.0
    if time.monotonic() - state.last_purge > PURGE_EVERY_SECONDS:
        state.last_purge = time.monotonic()
        delete_expired_transcripts(state.workspace)
    return state.assistant


def _show(request: Request, page: Page, *, status_code: int = 200) -> HTMLResponse:
    title = f"Error: {page.heading}" if page.error else page.heading
    return render_public(request, "assistant.html", {"page": page, "page_title": title,
                                                     "handover_flow": HANDOVER_FLOW}, status_code=status_code)


def _act(request: Request, action: Callable[[Assistant, str], Page], *, start_if_needed: bool = False) -> Response:
    """Run an action on the resident's conversation: redirect on success, show the page again on an error."""
    assistant = assistant_of(request)
    conversation = request.session.get(CONVERSATION_KEY)
    try:
        if not conversation:
            if not start_if_needed:
                return RedirectResponse(START, status_code=303)
            conversation = assistant.start(current_language(request)).conversation_id
            request.session[CONVERSATION_KEY] = conversation
        page = action(assistant, conversation)
    except (ConversationNotFoundError, ConversationClosedError) as error:
        request.session.pop(CONVERSATION_KEY, None)
        return render_public(request, "error.html", {"heading": _("This conversation has finished"),
                                                     "paragraphs": [str(error)]}, status_code=410)
    if page.error:
        return _show(request, page, status_code=400)
    return RedirectResponse(START, status_code=303)


@router.get("/assistant", name="assistant")
def assistant_page(request: Request) -> HTMLResponse:
    """The page the resident's conversation is on; the welcome (which says it is automated) before it starts."""
    assistant = assistant_of(request)
    conversation = request.session.get(CONVERSATION_KEY)
    language = current_language(request)
    if conversation:
        try:
            page = assistant.page(conversation)
            if page.language != language:
                page = assistant.set_language(conversation, language)
            return _show(request, page)
        except ConversationNotFoundError:
            request.session.pop(CONVERSATION_KEY, None)
    return _show(request, assistant.welcome(language))


@router.post("/assistant/message", name="assistant_message")
def message(request: Request, text: Annotated[str, Form()] = "") -> Response:
    """Free text: what the resident needs, in their own words."""
    return _act(request, lambda assistant, conversation: assistant.say(conversation, text), start_if_needed=True)


@router.post("/assistant/choose", name="assistant_choose")
def choose(request: Request, flow: Annotated[str, Form()] = "") -> Response:
    """A service chosen from a list."""
    return _act(request, lambda assistant, conversation: assistant.choose_flow(conversation, flow),
                start_if_needed=True)


@router.post("/assistant/answer", name="assistant_answer")
def answer(request: Request, value: Annotated[str, Form()] = "") -> Response:
    """The answer to the question on the page."""
    return _act(request, lambda assistant, conversation: assistant.answer(conversation, value))


@router.post("/assistant/back", name="assistant_back")
def back(request: Request) -> Response:
    """The previous question."""
    return _act(request, lambda assistant, conversation: assistant.back(conversation))


@router.post("/assistant/change-postcode", name="assistant_change_postcode")
def change_postcode(request: Request) -> Response:
    """Enter the postcode again."""
    return _act(request, lambda assistant, conversation: assistant.change_postcode(conversation))


@router.post("/assistant/person", name="assistant_person")
def person(request: Request) -> Response:
    """Talk to a person: hand the conversation over."""
    return _act(request, lambda assistant, conversation: assistant.hand_over(conversation), start_if_needed=True)


@router.post("/assistant/send", name="assistant_send")
def send(request: Request) -> Response:
    """Send the checked answers as a request."""
    return _act(request, lambda assistant, conversation: assistant.submit(conversation))


@router.post("/assistant/end", name="assistant_end")
def end(request: Request) -> Response:
    """End the conversation (its transcript can still be downloaded until a new one starts)."""
    return _act(request, lambda assistant, conversation: assistant.end(conversation))


@router.post("/assistant/new", name="assistant_new")
def new(request: Request) -> Response:
    """Start a new conversation (the old one's transcript stays until the retention period ends)."""
    request.session.pop(CONVERSATION_KEY, None)
    return RedirectResponse(START, status_code=303)


@router.get("/assistant/transcript", name="assistant_transcript")
def transcript(request: Request) -> Response:
    """The resident's own conversation as a text file to keep."""
    conversation = request.session.get(CONVERSATION_KEY)
    if not conversation:
        return RedirectResponse(START, status_code=303)
    text = assistant_of(request).transcript(conversation)
    return PlainTextResponse(text + "\n", headers={
        "Content-Disposition": 'attachment; filename="conversation-with-the-council.txt"'})
