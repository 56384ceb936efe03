"""Guided service flows written in YAML: one question per page, checked before the assistant will run them.

A flow names its steps in order; each step asks one thing (``choice``, ``text`` or ``address``), runs a ``check``
and shows what it found, or ends the flow (``outcome``: advice, no request; ``confirm``: check your answers, then a
service request for the flow's team). ``next`` is the following step, or for a choice a step per answer.

``load_flow`` refuses, with a message naming the step, a flow that could loop forever, has a step nothing leads to,
leads to a step that does not exist, or asks for personal data it has not declared under ``personal_data`` (with the
reason it needs each item): the assistant asks for nothing more than a flow needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from townhall.errors import TownhallError

BUILT_IN_FOLDER = Path(__file__).resolve().parent / "flows"
QUESTION_TYPES = ("choice", "text", "address")
STEP_TYPES = (*QUESTION_TYPES, "check", "outcome", "confirm")
END_TYPES = ("outcome", "confirm")
VALIDATIONS = ("none", "email_or_phone", "date", "account_number", "postcode")
CHECKS = ("bin_collection",)
HANDOVER_FLOW = "handover"


class FlowError(TownhallError):
    """A flow file cannot be used; the message names the flow, the step and what to change."""


@dataclass(frozen=True)
class Step:
    """One page of a flow."""

    id: str
    type: str
    ask: str = ""
    hint: str = ""
    choices: dict[str, str] = field(default_factory=dict)  # answer value -> label
    next: str | dict[str, str] | None = None
    validate: str = "none"
    optional: bool = False
    personal: str | None = None  # the personal_data item this step collects
    max_length: int = 200
    check: str | None = None

    def next_steps(self) -> list[str]:
        """Every step this one can lead to."""
        if isinstance(self.next, dict):
            return list(dict.fromkeys(self.next.values()))
        return [self.next] if self.next else []

    def following(self, answer: str | None) -> str | None:
        """The step after this one, given the answer."""
        if isinstance(self.next, dict):
            return self.next.get(answer or "")
        return self.next


@dataclass(frozen=True)
class Flow:
    """A checked flow: its steps in file order (the first is where it starts)."""

    name: str
    title: str
    description: str
    steps: tuple[Step, ...]
    examples: tuple[str, ...] = ()
    personal_data: dict[str, str] = field(default_factory=dict)  # item -> why the flow needs it

    @property
    def first(self) -> Step:
        """Where the flow starts."""
        return self.steps[0]

    def step(self, step_id: str) -> Step:
        """A step by id."""
        for step in self.steps:
            if step.id == step_id:
                return step
        raise FlowError(f"The flow '{self.name}' has no step '{step_id}'.")

    def texts(self) -> list[str]:
        """Every string a resident can see in this flow, for translation."""
        found = [self.title, self.description]
        for step in self.steps:
            found += [step.ask, step.hint, *step.choices.values()]
        return [text for text in found if text]


def _step(flow: str, raw: Any, position: int) -> Step:
    if not isinstance(raw, dict) or not raw.get("id"):
        raise FlowError(f"Step {position} of the flow '{flow}' needs an id (a short name such as 'address').")
    step_id = str(raw["id"])
    known = {"id", "type", "ask", "hint", "choices", "next", "validate", "optional", "personal", "max_length", "check"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise FlowError(f"Step '{step_id}' of the flow '{flow}' has settings townhall does not know: "
                        f"{', '.join(unknown)} (is one misspelt?).")
    kind = str(raw.get("type", ""))
    if kind not in STEP_TYPES:
        raise FlowError(f"Step '{step_id}' of the flow '{flow}' has type '{kind}'; use one of {', '.join(STEP_TYPES)}.")
    choices = {str(key): str(value) for key, value in (raw.get("choices") or {}).items()}
    raw_next = raw.get("next")
    next_value: str | dict[str, str] | None
    next_value = {str(key): str(value) for key, value in raw_next.items()} if isinstance(raw_next, dict) else (
        str(raw_next) if raw_next else None)
    step = Step(id=step_id, type=kind, ask=str(raw.get("ask") or ""), hint=str(raw.get("hint") or ""),
                choices=choices, next=next_value, validate=str(raw.get("validate") or "none"),
                optional=bool(raw.get("optional", False)), personal=raw.get("personal"),
                max_length=int(raw.get("max_length") or 200), check=raw.get("check"))
    where = f"Step '{step_id}' of the flow '{flow}'"
    if kind in QUESTION_TYPES and not step.ask:
        raise FlowError(f"{where} asks nothing: give it 'ask', the question to show.")
    if kind == "choice" and len(choices) < 2:
        raise FlowError(f"{where} is a choice with fewer than two choices.")
    if isinstance(next_value, dict):
        if kind != "choice":
            raise FlowError(f"{where} can only have one next step, because it is not a choice.")
        missing = sorted(set(choices) - set(next_value))
        extra = sorted(set(next_value) - set(choices))
        if missing or extra:
            raise FlowError(f"{where} needs a next step for every choice: "
                            + "; ".join(filter(None, [f"none for {', '.join(missing)}" if missing else "",
                                                      f"'{', '.join(extra)}' is not a choice" if extra else ""])) + ".")
    if step.validate not in VALIDATIONS:
        raise FlowError(f"{where} checks answers with '{step.validate}'; use one of {', '.join(VALIDATIONS)}.")
    if kind == "check" and step.check not in CHECKS:
        raise FlowError(f"{where} runs the check '{step.check}'; townhall knows {', '.join(CHECKS)}.")
    if kind in END_TYPES and next_value:
        raise FlowError(f"{where} ends the flow ({kind}), so it cannot have a next step.")
    if kind not in END_TYPES and not next_value:
        raise FlowError(f"{where} has no next step. Give it 'next', or make it an outcome or confirm step.")
    return step


def parse_flow(data: Any, *, source: str = "the flow") -> Flow:
    """A flow from its parsed YAML, checked: see the module's description for what is refused."""
    if not isinstance(data, dict):
        raise FlowError(f"{source} should be a flow: a name, a title and a list of steps.")
    name = str(data.get("name") or "").strip()
    if not name:
        raise FlowError(f"{source} has no name.")
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise FlowError(f"The flow '{name}' has no steps.")
    steps = [_step(name, raw, position) for position, raw in enumerate(raw_steps, start=1)]
    ids = [step.id for step in steps]
    duplicates = sorted({step_id for step_id in ids if ids.count(step_id) > 1})
    if duplicates:
        raise FlowError(f"The flow '{name}' has two steps called '{duplicates[0]}'; give each step its own id.")
    by_id = {step.id: step for step in steps}
    for step in steps:
        for target in step.next_steps():
            if target not in by_id:
                raise FlowError(f"Step '{step.id}' of the flow '{name}' leads to '{target}', which is not a step.")
    _refuse_loops(name, steps[0], by_id)
    reached = _reachable(steps[0], by_id)
    for step in steps:
        if step.id not in reached:
            raise FlowError(f"Step '{step.id}' of the flow '{name}' can never be reached: no step leads to it. "
                            "Remove it or point a 'next' at it.")
    personal_data = {str(key): str(value) for key, value in (data.get("personal_data") or {}).items()}
    for step in steps:
        if step.personal and step.personal not in personal_data:
            raise FlowError(f"Step '{step.id}' of the flow '{name}' asks for '{step.personal}', which the flow does "
                            "not declare under personal_data with the reason it needs it.")
        if step.type == "address" and not step.personal:
            raise FlowError(f"Step '{step.id}' of the flow '{name}' asks for an address: mark it 'personal: address' "
                            "and declare why under personal_data.")
    unused = sorted(set(personal_data) - {step.personal for step in steps})
    if unused:
        raise FlowError(f"The flow '{name}' declares personal data it never asks for ({', '.join(unused)}); remove "
                        "it, so the privacy notice says only what the flow collects.")
    return Flow(name=name, title=str(data.get("title") or name), description=str(data.get("description") or ""),
                steps=tuple(steps), examples=tuple(str(example) for example in data.get("examples") or ()),
                personal_data=personal_data)


def _refuse_loops(name: str, first: Step, by_id: dict[str, Step]) -> None:
    """Depth-first search: a step that leads back to one on the current path is a loop."""
    on_path: list[str] = []
    finished: set[str] = set()

    def visit(step: Step) -> None:
        on_path.append(step.id)
        for target in step.next_steps():
            if target in on_path:
                raise FlowError(f"The flow '{name}' loops: step '{step.id}' leads back to step '{target}', so a "
                                "resident could go round for ever. Point it at a later step.")
            if target not in finished:
                visit(by_id[target])
        on_path.pop()
        finished.add(step.id)

    visit(first)


def _reachable(first: Step, by_id: dict[str, Step]) -> set[str]:
    seen = {first.id}
    waiting = [first]
    while waiting:
        for target in waiting.pop().next_steps():
            if target not in seen:
                seen.add(target)
                waiting.append(by_id[target])
    return seen


def load_flow(path: Path | str) -> Flow:
    """Read and check one flow file."""
    import yaml

    file = Path(path)
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except OSError as error:
        raise FlowError(f"The flow file {file} could not be read: {error.strerror or error}.") from None
    except UnicodeDecodeError:
        raise FlowError(f"The flow file {file} is not UTF-8 text; save it as UTF-8.") from None
    except yaml.YAMLError as error:
        raise FlowError(f"The flow file {file} is not valid YAML: {error}") from None
    return parse_flow(data, source=str(file))


def load_flows(extra_folder: Path | None = None) -> dict[str, Flow]:
    """The built-in flows and any in ``extra_folder`` (a council's own; same name replaces a built-in one)."""
    flows: dict[str, Flow] = {}
    folders = [BUILT_IN_FOLDER] + ([extra_folder] if extra_folder else [])
    for folder in folders:
        if not folder.is_dir():
            raise FlowError(f"The flows folder {folder} does not exist. Check [assistant] flows_folder.")
        for file in sorted(folder.glob("*.yaml")):
            flow = load_flow(file)
            flows[flow.name] = flow
    if HANDOVER_FLOW not in flows:
        raise FlowError(f"There is no '{HANDOVER_FLOW}' flow, which the assistant needs to pass a conversation to a "
                        "person.")
    return flows
