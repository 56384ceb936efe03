"""How well redaction works: a corpus of sentences with planted personal details, and the recall per kind.

Each planted detail is written in one of several real-world forms (spaced and unspaced numbers, +44 and brackets,
lower-case postcodes, flats and building names, dates in words and figures), inside sentences a resident or a case
worker might write. A detail counts as redacted when every character of it is inside a redacted span; the clean
sentences (no details) measure over-redaction.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from townhall.text.redact import IDENTIFIER_KINDS, Redactor

_CARRIERS: dict[str, tuple[str, ...]] = {
    "name": ("My name is {value} and I live near the park.", "I spoke to your officer about {value}'s case.",
             "{value} from number 12 has been dumping rubbish.", "Regards, {value}",
             "Complaint made on behalf of {value}, my neighbour.", "The carer for {value} did not turn up.",
             "Please ask {value} to call me back.", "Mrs {surname} next door has been waiting for weeks."),
    "nhs_number": ("My NHS number is {value}.", "Patient ({value}) was discharged on Friday.",
                   "Ref {value} for the care assessment.", "NHS no: {value}"),
    "phone": ("Call me on {value} after 5pm.", "My mobile is {value}.", "Ring {value} if nobody answers.",
              "Tel: {value}", "You can reach my daughter on {value} instead."),
    "email": ("Email me at {value} please.", "Reply to {value}.", "My address is {value} if you need it.",
              "Contact: {value}"),
    "postcode": ("My postcode is {value}.", "Bins in {value} were missed again.", "Postcode {value}, near the shops.",
                 "I moved to {value} last year."),
    "date_of_birth": ("I was born on {value}.", "DOB {value}", "Child's date of birth: {value}.",
                      "Date of birth {value}, please update your records.", "My mum ({value}) needs help."),
    "address": ("I live at {value} and the bins were missed.", "The leak is at {value}.", "Send it to {value}.",
                "The noise comes from {value} every night.", "Please inspect {value} urgently."),
}
_CLEAN_SENTENCES = (
    "The bins on Mill Road were missed again this week.", "The park near the station looks lovely.",
    "I waited 45 minutes on the phone on 12 May.", "Please fix the pothole by the school.",
    "The library opening hours changed in March 2026.", "Three weeks and still no repair.",
    "The crew came back on Tuesday and emptied it.", "Fly-tipping behind the shops on Station Road.",
    "My council tax bill for 2025/26 is wrong.", "Thank you to the team at Ashbury Library.",
)
_STREET_WORDS = ("Mill", "Church", "Station", "Alder", "Victoria", "Oak", "Park", "Hazel", "Kingfisher", "Marsh",
                 "Old Hall", "Spring Bank", "Long", "Rectory")
_STREET_TYPES = ("Road", "Street", "Lane", "Avenue", "Close", "Drive", "Way", "Crescent", "Gardens", "Rd", "St",
                 "Terrace", "Grove", "Mews")
_BUILDINGS = ("Alder Court", "Victoria House", "Oak Lodge", "Spring Mansions")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_EMAIL_DOMAINS = ("example.com", "example.org", "mail.example.co.uk", "example.net")
_DEFAULT_NAMES = (("Margaret", "Khan"), ("Oliver", "Shaw"), ("Chinedu", "Okafor"), ("Zofia", "Nowak"),
                  ("Aisha", "Begum"), ("Tom", "O'Neill"), ("Sian", "Lloyd-Jones"), ("Priya", "Patel"))


@dataclass(frozen=True)
class PlantedText:
    """One test sentence: its text and the planted details as (kind, start, end)."""

    text: str
    details: tuple[tuple[str, int, int], ...] = ()


@dataclass
class RedactionRecall:
    """Recall per kind of detail and over-redaction on clean sentences."""

    planted: dict[str, int] = field(default_factory=dict)
    redacted: dict[str, int] = field(default_factory=dict)
    clean_sentences: int = 0
    clean_sentences_changed: int = 0

    def recall(self, kind: str) -> float:
        """Share of planted details of this kind that were fully redacted."""
        return self.redacted.get(kind, 0) / self.planted[kind] if self.planted.get(kind) else float("nan")

    @property
    def over_redaction(self) -> float:
        """Share of sentences with no personal detail in which something was redacted all the same."""
        return self.clean_sentences_changed / self.clean_sentences if self.clean_sentences else 0.0

    def rows(self) -> list[tuple[str, int, int, float]]:
        """(kind, planted, redacted, recall) per kind, in the order of IDENTIFIER_KINDS."""
        return [(kind, self.planted[kind], self.redacted.get(kind, 0), self.recall(kind))
                for kind in IDENTIFIER_KINDS if kind in self.planted]


def _nhs_number(rng: random.Random) -> str:
    while True:
        digits = [rng.randint(4, 9)] + [rng.randint(0, 9) for _ in range(8)]
        check = (11 - sum(digit * weight for digit, weight in zip(digits, range(10, 1, -1), strict=True)) % 11) % 11
        if check != 10:
            text = "".join(map(str, [*digits, check]))
            style = rng.randrange(3)
            return text if style == 0 else f"{text[:3]}{' -'[style - 1]}{text[3:6]}{' -'[style - 1]}{text[6:]}"


def _phone(rng: random.Random) -> str:
    line = f"{rng.randint(0, 999):03d}"
    return rng.choice((f"07700 900{line}", f"07700900{line}", f"+44 7700 900{line}", f"0161 496 0{line}",
                       f"(0161) 496 0{line}", f"020 7946 0{line}", f"+44 (0)20 7946 0{line}", f"07700-900-{line}",
                       f"0113 4960{line}"))


def _postcode(rng: random.Random) -> str:
    letters = "ABCDEFGHJKLMNOPRSTUWYZ"
    inward_letters = "ABDEFGHJLNPQRSTUWXYZ"
    outward = rng.choice((
        lambda: rng.choice(letters) + str(rng.randint(1, 9)),
        lambda: rng.choice(letters) + str(rng.randint(10, 99)),
        lambda: rng.choice(letters) + rng.choice(letters) + str(rng.randint(1, 9)),
        lambda: rng.choice(letters) + rng.choice(letters) + str(rng.randint(10, 99)),
        lambda: rng.choice(letters) + str(rng.randint(1, 9)) + rng.choice("ABCDEFGHJKPSTUW"),
        lambda: rng.choice(letters) + rng.choice(letters) + str(rng.randint(1, 9)) + rng.choice("ABEHMNPRVWXY"),
    ))()
    inward = str(rng.randint(0, 9)) + rng.choice(inward_letters) + rng.choice(inward_letters)
    style = rng.randrange(4)
    if style == 1:
        return (outward + inward).lower()
    if style == 2:
        return outward + inward
    return f"{outward} {inward}"


def _birth_date(rng: random.Random, today: date, *, adult: bool) -> str:
    born = today - timedelta(days=rng.randint(365 * (20 if adult else 1), 365 * 95))
    month = _MONTHS[born.month - 1]
    return rng.choice((f"{born:%d/%m/%Y}", f"{born.day}/{born.month}/{born.year}", f"{born:%Y-%m-%d}",
                       f"{born.day} {month} {born.year}", f"{born.day}th {month[:3]} {born.year}",
                       f"{month} {born.day}, {born.year}", f"{born:%d.%m.%Y}"))


def _address(rng: random.Random) -> str:
    street = f"{rng.choice(_STREET_WORDS)} {rng.choice(_STREET_TYPES)}"
    number = str(rng.randint(1, 240)) + ("a" if rng.random() < 0.1 else "")
    style = rng.randrange(4)
    if style == 0:
        return f"Flat {rng.randint(1, 30)}, {rng.choice(_BUILDINGS)}, {number} {street}"
    if style == 1:
        return f"Flat {rng.randint(1, 9)}, {number} {street}"
    return f"{number} {street}"


def _email(rng: random.Random, first: str, last: str) -> str:
    local = rng.choice((f"{first}.{last}", f"{first[0]}{last}{rng.randint(1, 99)}", f"{first}+council",
                        f"{last}_{first}"))
    return f"{local.lower().replace(' ', '').replace(chr(39), '')}@{rng.choice(_EMAIL_DOMAINS)}"


def _planted_value(kind: str, rng: random.Random, first: str, last: str, today: date, *, adult: bool) -> str:
    if kind == "nhs_number":
        return _nhs_number(rng)
    if kind == "phone":
        return _phone(rng)
    if kind == "email":
        return _email(rng, first, last)
    if kind == "postcode":
        return _postcode(rng)
    if kind == "date_of_birth":
        return _birth_date(rng, today, adult=adult)
    return _address(rng)


def planted_corpus(names: Sequence[tuple[str, str]] = (), *, per_kind: int = 200, seed: int = 0,
                   today: date | None = None) -> list[PlantedText]:
    """``per_kind`` sentences for each kind of detail plus as many clean sentences, shuffled; same seed, same corpus.

    ``names`` are (first name, surname) pairs to plant (e.g. people from the person index); a small built-in list of
    fictional names is used when none are given.
    """
    rng = random.Random(seed)
    people = list(names) or list(_DEFAULT_NAMES)
    when = today or date.today()
    corpus: list[PlantedText] = []
    for kind, carriers in _CARRIERS.items():
        for _ in range(per_kind):
            first, last = rng.choice(people)
            carrier = rng.choice(carriers)
            if kind == "name":
                title = rng.choice(("", "", "", "Mr ", "Ms ", "Dr "))
                value = f"{title}{first} {last}"
                if "{surname}" in carrier:
                    value = last
            else:
                value = _planted_value(kind, rng, first, last, when, adult="mum" in carrier)
            text = carrier.replace("{surname}", "{value}").replace("{value}", value, 1)
            start = carrier.replace("{surname}", "{value}").index("{value}")
            corpus.append(PlantedText(text, ((kind, start, start + len(value)),)))
    corpus.extend(PlantedText(rng.choice(_CLEAN_SENTENCES)) for _ in range(per_kind))
    rng.shuffle(corpus)
    return corpus


def measure_recall(redactor: Redactor, corpus: Sequence[PlantedText]) -> RedactionRecall:
    """Run the redactor over the corpus and count, per kind, the planted details it fully covered."""
    result = RedactionRecall()
    for item in corpus:
        spans = redactor.find(item.text)
        covered = bytearray(len(item.text))
        for span in spans:
            covered[span.start:span.end] = b"\x01" * (span.end - span.start)
        if not item.details:
            result.clean_sentences += 1
            result.clean_sentences_changed += bool(spans)
        for kind, start, end in item.details:
            result.planted[kind] = result.planted.get(kind, 0) + 1
            if all(covered[start:end]):
                result.redacted[kind] = result.redacted.get(kind, 0) + 1
    return result
