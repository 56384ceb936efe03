"""Words in the demo: short case notes on children's referrals (with a planted phrase that precedes escalation),
contact details some residents leave in their comments (so redaction has something real to find), and the
household waste collection calendar the residents' assistant checks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from townhall.demo.formats import format_dates
from townhall.demo.records import SourceTable, fictional_phone_numbers, pick
from townhall.demo.world import DemoWorld, address_parts

if TYPE_CHECKING:
    from townhall.workspace import Workspace

# The passage planted in notes of referrals that go on to escalate (and, rarely, of others): what the key-passage
# scorer should find. "{child}" is the child's first name, so the passage also tests redaction before analysis.
PLANTED_CASE_NOTE_PHRASE = "{child} told a teacher they are scared to go home at weekends."
PLANTED_RATE_WHEN_ESCALATED = 0.45
PLANTED_RATE_OTHERWISE = 0.01

_ROUTINE_SENTENCES = (
    "Initial visit completed and {child} was seen at home.",
    "Spoke with the class teacher about how {child} is getting on.",
    "Home conditions were adequate during the visit.",
    "Family engaged well and agreed to a follow-up visit.",
    "Parent was not at home so a card was left.",
    "Health visitor has no current concerns.",
    "Case discussed in supervision with a plan to review in four weeks.",
    "Family asked for help with school uniform costs.",
    "{child} enjoys football and attends an after-school club.",
    "Grandparents live nearby and help with childcare.",
)
# Sentences that follow the child's recorded circumstances (the demo's hidden traits), so notes carry real signal.
_FACTOR_SENTENCES = {
    "domestic_abuse": "Police shared a report of a domestic incident at the address.",
    "parental_mental_health": "Mum says she has been struggling with low mood and is waiting for counselling.",
    "low_school_attendance": "School reports attendance well below ninety per cent this term.",
    "rent_arrears": "The family is behind with the rent and worried about eviction.",
    "anti_social_behaviour": "Neighbours have complained about shouting late at night.",
}
_CONTACT_SENTENCES = (
    "Mum's mobile is {phone}.",
    "{child} (DOB {dob}) lives with mum and two younger siblings.",
    "Contact number for dad is {phone}.",
)


def childrens_case_notes(world: DemoWorld, referrals: SourceTable) -> tuple[SourceTable, pd.DataFrame]:
    """One to three short notes per children's referral, written during the assessment, before its outcome; the
    truth says which notes carry the planted phrase."""
    rng = world.random("childrens case notes")
    facts = world.facts["referrals"]
    children = world.facts["children"].set_index("person_id")
    frame = referrals.frame
    count = len(frame)
    person = facts["person_id"].to_numpy()
    escalated = facts["escalated"].to_numpy(dtype=bool)
    planted = rng.random(count) < np.where(escalated, PLANTED_RATE_WHEN_ESCALATED, PLANTED_RATE_OTHERWISE)
    notes_per_referral = rng.integers(1, 4, count)
    referral_date = facts["referral_date"].to_numpy(dtype="datetime64[D]")
    phones = fictional_phone_numbers(count, rng)
    child_name = frame["Child Forename"].astype(str).str.strip().str.title().to_numpy()
    dob = frame["DOB"].astype(str).to_numpy()
    factor_flags = {name: children[name].reindex(person).fillna(False).to_numpy(dtype=bool)
                    for name in _FACTOR_SENTENCES}
    rows: list[tuple[str, str, np.datetime64, str, bool]] = []
    for index in range(count):
        sentences = [_ROUTINE_SENTENCES[position] for position in
                     rng.choice(len(_ROUTINE_SENTENCES), size=int(rng.integers(2, 6)), replace=False)]
        sentences += [text for name, text in _FACTOR_SENTENCES.items()
                      if factor_flags[name][index] and rng.random() < 0.6]
        if rng.random() < 0.25:
            sentences.append(str(pick(_CONTACT_SENTENCES, 1, rng)[0]))
        order = rng.permutation(len(sentences))
        sentences = [sentences[position] for position in order]
        notes = min(int(notes_per_referral[index]), len(sentences))
        planted_note = int(rng.integers(0, notes)) if planted[index] else -1
        chunks = np.array_split(np.arange(len(sentences)), notes)
        for note_number, chunk in enumerate(chunks):
            text_parts = [sentences[position] for position in chunk]
            if note_number == planted_note:
                text_parts.insert(int(rng.integers(0, len(text_parts) + 1)), PLANTED_CASE_NOTE_PHRASE)
            text = " ".join(text_parts).format(child=child_name[index] or "The child", phone=phones[index],
                                               dob=dob[index])
            day = referral_date[index] + np.timedelta64(int(rng.integers(0, 10)) + 10 * note_number, "D")
            rows.append((str(frame["Referral ID"].iloc[index]), text, day, str(pick(
                ["Social worker", "Family support worker", "Team manager"], 1, rng, [70, 25, 5])[0]),
                note_number == planted_note))
    notes = pd.DataFrame(rows, columns=["Referral ID", "Note", "Note Date", "Author Role", "planted"])
    notes = notes.sort_values(["Note Date", "Referral ID"], kind="stable").reset_index(drop=True)
    notes.insert(0, "Note ID", [f"CN{number:07d}" for number in range(1, len(notes) + 1)])
    world.planted["childrens_case_notes"] = {
        "phrase": PLANTED_CASE_NOTE_PHRASE,
        "planted_when_escalated": PLANTED_RATE_WHEN_ESCALATED,
        "planted_otherwise": PLANTED_RATE_OTHERWISE,
        "notes": len(notes),
        "notes_with_phrase": int(notes["planted"].sum()),
    }
    frame_out = notes.drop(columns="planted").assign(**{"Note Date": format_dates(
        notes["Note Date"].to_numpy(dtype="datetime64[D]"), "dd/mm/yyyy")})
    table = SourceTable(
        name="childrens_case_notes", file_name="childrens_case_notes.csv", file_format="csv",
        owner="Children's Services",
        description="Short case notes written during children's referrals, one row per note.",
        frame=frame_out, record_id_column="Note ID",
        errors=("free text naming the child, with some dates of birth and phone numbers",),
    )
    return table, notes[["Note ID", "Referral ID", "planted"]].rename(columns={"planted": "has_planted_phrase"})


_DETAIL_TEMPLATES = (
    ("name", "My name is {name}."),
    ("phone", "You can ring me on {phone}."),
    ("email", "Please reply to {email}."),
    ("address", "I live at {address}."),
    ("postcode", "My postcode is {postcode}."),
)


def with_contact_details(world: DemoWorld,
                         feedback: tuple[SourceTable, pd.DataFrame]) -> tuple[SourceTable, pd.DataFrame]:
    """About one comment in eight gains a sentence with the writer's name, phone, email, address or postcode, as
    real comments do; the truth records each planted detail so redaction can be checked on the demo."""
    table, truth = feedback
    rng = world.random("feedback contact details")
    frame = table.frame.copy()
    count = len(frame)
    chosen = np.flatnonzero(rng.random(count) < 0.125)
    people = world.people
    alive = np.flatnonzero(people["date_of_death"].isna().to_numpy())
    writer = rng.choice(alive, size=chosen.size)
    homes = world.households["property_id"].to_numpy()[people["household_id"].to_numpy()[writer]]
    parts = address_parts(world, homes)
    first = people["first_name"].to_numpy()[writer]
    surname = people["surname"].to_numpy()[writer]
    values = {
        "name": first + " " + surname,
        "phone": fictional_phone_numbers(chosen.size, rng),
        "email": np.char.lower((first + "." + surname).astype(str)).astype(object) + "@example.com",
        "address": (parts["street_line"] + ", " + parts["town"]).to_numpy(),
        "postcode": parts["postcode"].to_numpy(),
    }
    kinds = pick([kind for kind, _ in _DETAIL_TEMPLATES], chosen.size, rng)
    templates = dict(_DETAIL_TEMPLATES)
    comments = frame["comment"].to_numpy(dtype=object).copy()
    planted = []
    for position, row in enumerate(chosen):
        kind = str(kinds[position])
        value = str(values[kind][position])
        comments[row] = f"{comments[row]} {templates[kind].format(**{kind: value})}"
        planted.append((frame["feedback_id"].iloc[row], kind, value))
    frame["comment"] = comments
    details = pd.DataFrame(planted, columns=["feedback_id", "kind", "value"])
    truth = truth.merge(details.groupby("feedback_id")["kind"].first().rename("planted_detail"),
                        on="feedback_id", how="left")
    truth["planted_detail"] = truth["planted_detail"].fillna("")
    truth["planted_value"] = truth["feedback_id"].map(details.set_index("feedback_id")["value"]).fillna("")
    errors = (*table.errors, "about one comment in eight holds the writer's contact details")
    return SourceTable(**{**vars(table), "frame": frame, "errors": errors}), truth


_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")


def waste_collection_days(world: DemoWorld) -> SourceTable:
    """The household waste collection calendar: each home's collection day and how often, by round."""
    rng = world.random("waste collection days")
    units = world.units
    homes = np.flatnonzero(~units["is_business"].to_numpy())
    streets = units["street_index"].to_numpy()[homes]
    # A round covers a run of streets on one weekday; a few streets are split between two rounds.
    round_of_street = rng.permutation(int(streets.max()) + 1) % (len(_WEEKDAYS) * 3)
    round_number = round_of_street[streets]
    moved = rng.random(homes.size) < 0.03
    round_number = np.where(moved, (round_number + 1) % (len(_WEEKDAYS) * 3), round_number)
    in_flats = units["flat"].to_numpy()[homes].astype(str) != ""
    frame = pd.DataFrame({
        "UPRN": units["uprn"].to_numpy()[homes],
        "Round": [f"R{number + 1:02d}" for number in round_number],
        "Collection Day": np.array(_WEEKDAYS, dtype=object)[round_number % len(_WEEKDAYS)],
        "Frequency": np.where(in_flats, "Weekly", "Fortnightly"),
    }).sort_values("UPRN", kind="stable").reset_index(drop=True)
    return SourceTable(
        name="waste_collection_days", file_name="waste_collection_days.csv", file_format="csv",
        owner="Street Scene",
        description="Each home's household waste collection day, round and frequency.",
        frame=frame, record_id_column="UPRN",
        errors=("clean: one row per home",),
    )


def run_text_analyses(workspace: Workspace, actor: str) -> list[str]:
    """The demo's text steps after linking (redact and store the comments, find themes, train the classifier, find
    key passages in case notes), so the comments page has something to show; one plain line per step. A step that
    cannot run at this demo size says why instead of stopping the demo."""
    from townhall.errors import TownhallError
    from townhall.text import find_key_passages, prepare_comments, run_themes, train_classifier

    lines: list[str] = []
    try:
        prepared = prepare_comments(workspace, actor=actor)
        lines.append(f"Comments: {prepared.comments:,} redacted and stored; "
                     f"{len(run_themes(workspace, actor=actor).themes)} themes found.")
        lines.append(f"Comment classifier: {train_classifier(workspace, actor=actor).sentence()}")
        passages = find_key_passages(workspace, actor=actor)
        lines.append(f"Case notes: key passages found for {passages.cases:,} children's referrals.")
    except TownhallError as error:
        lines.append(f"Text analysis stopped: {error}")
    return lines
