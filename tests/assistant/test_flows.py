"""Flow files: the built-in flows pass the checks, and a loop, an unreachable step, a missing step or personal data
the flow did not declare is refused with a message naming the step."""

from __future__ import annotations

from pathlib import Path

import pytest

from townhall.assistant import FlowError, load_flow, load_flows, parse_flow


def _flow(steps: list[dict], personal_data: dict | None = None) -> dict:
    return {"name": "test-flow", "title": "Test", "personal_data": personal_data or {}, "steps": steps}


def test_the_built_in_flows_load_and_each_ends_somewhere() -> None:
    flows = load_flows()
    assert set(flows) == {"missed-bin", "housing-repair", "single-person-discount", "loft-conversion", "handover"}
    for flow in flows.values():
        assert any(step.type in {"outcome", "confirm"} for step in flow.steps)
        assert len(flow.examples) >= 10


def test_a_loop_is_refused_naming_the_step_that_leads_back() -> None:
    steps = [{"id": "first", "type": "choice", "ask": "Pick", "choices": {"a": "A", "b": "B"},
              "next": {"a": "second", "b": "done"}},
             {"id": "second", "type": "text", "ask": "Why?", "next": "first"},
             {"id": "done", "type": "outcome", "ask": "Done"}]
    with pytest.raises(FlowError, match="step 'second' leads back to step 'first'"):
        parse_flow(_flow(steps))


def test_an_unreachable_step_is_refused_by_name() -> None:
    steps = [{"id": "ask", "type": "text", "ask": "What?", "next": "done"},
             {"id": "orphan", "type": "text", "ask": "Never asked", "next": "done"},
             {"id": "done", "type": "outcome", "ask": "Done"}]
    with pytest.raises(FlowError, match="Step 'orphan' of the flow 'test-flow' can never be reached"):
        parse_flow(_flow(steps))


@pytest.mark.parametrize(("steps", "personal", "message"), [
    ([{"id": "ask", "type": "text", "ask": "What?", "next": "nowhere"}], None, "leads to 'nowhere'"),
    ([{"id": "ask", "type": "text", "ask": "Phone?", "personal": "phone", "next": "done"},
      {"id": "done", "type": "confirm"}], None, "asks for 'phone', which the flow does not declare"),
    ([{"id": "done", "type": "confirm"}], {"phone": "to ring you"}, "declares personal data it never asks for"),
    ([{"id": "ask", "type": "text", "ask": "What?"}], None, "has no next step"),
    ([{"id": "ask", "type": "choice", "ask": "Pick", "choices": {"a": "A", "b": "B"}, "next": {"a": "done"}},
      {"id": "done", "type": "outcome", "ask": "Done"}], None, "needs a next step for every choice: none for b"),
    ([{"id": "ask", "type": "dance", "ask": "What?"}], None, "has type 'dance'"),
    ([{"id": "ask", "type": "text", "ask": "What?", "nxt": "done"}], None, "nxt"),
])
def test_other_mistakes_are_refused_with_what_to_change(steps: list[dict], personal: dict | None,
                                                        message: str) -> None:
    with pytest.raises(FlowError, match=message):
        parse_flow(_flow(steps, personal))


def test_a_flow_file_that_is_not_utf8_or_not_yaml_is_refused(tmp_path: Path) -> None:
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("name: caf\xe9\n".encode("latin-1"))
    with pytest.raises(FlowError, match="is not UTF-8 text"):
        load_flow(latin)
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [unclosed\n", encoding="utf-8")
    with pytest.raises(FlowError, match="is not valid YAML"):
        load_flow(broken)
