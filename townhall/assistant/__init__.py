"""The residents' assistant: guided service flows written in YAML, offline intent matching, transcripts kept for a
set time, and hand-over to a person. The public pages (``townhall.public``) are a thin layer over ``Assistant``."""

from townhall.assistant.checks import Address, BinCollection, addresses_at, bin_collection
from townhall.assistant.conversation import (
    Assistant,
    ConversationClosedError,
    ConversationNotFoundError,
    Page,
    ServiceRequest,
    conversation_transcript,
    delete_expired_transcripts,
    service_request,
    service_requests,
    update_request_status,
)
from townhall.assistant.flows import Flow, FlowError, Step, load_flow, load_flows, parse_flow
from townhall.assistant.intents import (
    IntentEvaluation,
    IntentGuess,
    IntentMatcher,
    evaluate_intents,
    held_out_phrasings,
    train_intents,
)
from townhall.assistant.messages import LANGUAGES, missing_translations, translate

__all__ = [
    "LANGUAGES", "Address", "Assistant", "BinCollection", "ConversationClosedError", "ConversationNotFoundError",
    "Flow",
    "FlowError", "IntentEvaluation", "IntentGuess", "IntentMatcher", "Page", "ServiceRequest", "Step",
    "addresses_at", "bin_collection", "conversation_transcript", "delete_expired_transcripts", "evaluate_intents",
    "held_out_phrasings", "load_flow", "load_flows", "missing_translations", "parse_flow", "service_request",
    "service_requests", "train_intents", "translate", "update_request_status",
]
