"""Benchmark: register a person-like CSV of N rows in the catalogue; prints seconds, rows per second and peak memory.

    python bench/catalogue_registration.py                 # 200,000 and 1,000,000 rows
    python bench/catalogue_registration.py --rows 50000    # one size

Each size is registered in a fresh child process, so the peak memory printed (the maximum resident set size) is
the registration's own, not the data generator's.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

FORENAMES = np.array(["Olivia", "Amelia", "Isla", "Ava", "Mia", "Zoë", "Noah", "Oliver", "George", "Arthur",
                      "Muhammad", "Leo", "Harry", "Oscar", "Archie", "Henry", "Siobhan", "Priya", "Kwame", "Ewa"])
SURNAMES = np.array(["Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas",
                     "Johnson", "Roberts", "Khan", "Patel", "O'Brien", "Nowak", "Okafor", "Walker", "Wright"])
STREETS = np.array(["High Street", "Station Road", "Church Lane", "Park Avenue", "Mill Close", "Victoria Road",
                    "Green Lane", "Manor Drive", "Queens Crescent", "Kings Way"])
ETHNICITIES = np.array(["White British", "White Irish", "White Other", "Asian or Asian British", "Black British",
                        "Mixed", "Chinese", "Other ethnic group", "Not stated"])
WARDS = np.array([f"Ward {letter}" for letter in "ABCDEFGHIJKLMNOP"])


def _nhs_numbers(generator: np.random.Generator, count: int) -> np.ndarray:
    """Valid NHS numbers (modulus-11 check digit), with about 2% deliberately broken."""
    digits = generator.integers(0, 10, size=(count * 2, 9))
    digits[:, 0] = generator.choice([4, 6, 7], size=count * 2)
    total = (digits * np.arange(10, 1, -1)).sum(axis=1)
    check = (11 - total % 11) % 11
    keep = check != 10
    digits, check = digits[keep][:count], check[keep][:count]
    broken = generator.random(count) < 0.02
    check = np.where(broken, (check + 1) % 10, check)
    numbers = digits @ (10 ** np.arange(9, 0, -1)) + check
    return np.char.zfill(numbers.astype(str), 10)


def write_people_csv(path: Path, rows: int, seed: int = 7) -> None:
    """Write a messy person-like CSV: names, UK dates, postcodes, NHS numbers, phones, emails, money, free text."""
    generator = np.random.default_rng(seed)
    forename = FORENAMES[generator.integers(0, len(FORENAMES), rows)]
    surname = SURNAMES[generator.integers(0, len(SURNAMES), rows)]
    birth = np.datetime64("1930-01-01") + generator.integers(0, 365 * 90, rows).astype("timedelta64[D]")
    birth_uk = pc.strftime(pa.array(birth.astype("datetime64[s]")), format="%d/%m/%Y")
    letters = np.array(list("ABCDEFGHJKLMNPRSTUWXYZ"))
    postcode = np.char.add(np.char.add(np.char.add(letters[generator.integers(0, 22, rows)],
                                                   letters[generator.integers(0, 22, rows)]),
                                       generator.integers(1, 30, rows).astype(str)), " ")
    postcode = np.char.add(np.char.add(postcode, generator.integers(0, 10, rows).astype(str)),
                           np.char.add(letters[generator.integers(0, 22, rows)], letters[generator.integers(0, 22,
                                                                                                            rows)]))
    postcode = np.where(generator.random(rows) < 0.01, "UNKNOWN", postcode)
    phone = np.char.add("07700 9", np.char.zfill(generator.integers(0, 100000, rows).astype(str), 5))
    email = np.char.add(np.char.add(np.char.lower(forename.astype(str)), "."), np.char.lower(surname.astype(str)))
    email = np.char.add(email, "@example.org")
    house = generator.integers(1, 200, rows).astype(str)
    address = np.char.add(np.char.add(house, " "), STREETS[generator.integers(0, len(STREETS), rows)])
    amount = np.round(generator.gamma(2.0, 60.0, rows), 2)
    referral = np.datetime64("2019-01-01") + generator.integers(0, 365 * 5, rows).astype("timedelta64[D]")
    notes = np.where(generator.random(rows) < 0.7, "", "Called back; letter sent about the account")
    table = pa.table({
        "Person ID": pa.array(np.char.add("P", np.char.zfill(np.arange(1, rows + 1).astype(str), 8))),
        "Forename": pa.array(forename), "Surname": pa.array(surname), "Date of Birth": birth_uk,
        "Post Code": pa.array(postcode), "NHS Number": pa.array(_nhs_numbers(generator, rows)),
        "Tel": pa.array(phone), "Email": pa.array(email), "Address": pa.array(address),
        "Ward": pa.array(WARDS[generator.integers(0, len(WARDS), rows)]),
        "Amount Owed": pa.array(amount), "Referral Date": pa.array(np.datetime_as_string(referral)),
        "Ethnicity": pa.array(ETHNICITIES[generator.integers(0, len(ETHNICITIES), rows)]),
        "Notes": pa.array(notes),
    })
    pacsv.write_csv(table, path)


def peak_memory_kib() -> float:
    """This process's peak resident memory in KiB.

    Linux keeps ru_maxrss across fork and exec, so a child started by a big parent would report the parent's peak;
    /proc/self/status VmHWM belongs to the new program alone, so it is used where it exists.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return float(line.split()[1])
    return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def register(csv_file: Path) -> dict[str, float]:
    """Register the file in a new workspace and measure this process: seconds and peak resident memory."""
    from townhall.workspace import Workspace

    with tempfile.TemporaryDirectory() as folder:
        os.environ.setdefault("TOWNHALL_SECRETS_DIR", str(Path(folder) / "secrets"))
        workspace = Workspace.create(Path(folder) / "bench", "Benchmark")
        started = time.perf_counter()
        detail = workspace.catalogue.add_source(csv_file, "people", actor="bench")
        seconds = time.perf_counter() - started
        workspace.close()
    return {"rows": detail.rows, "seconds": seconds, "peak_mib": peak_memory_kib() / 1024,
            "personal_fields": detail.personal_fields, "quality": detail.quality_score}


def main() -> None:
    """Generate each size, register it in a child process and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, action="append", help="rows to generate (repeatable)")
    parser.add_argument("--register-only", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.register_only:
        print(json.dumps(register(arguments.register_only)))
        return
    sizes = arguments.rows or [200_000, 1_000_000]
    print(f"{'rows':>10} {'file MiB':>9} {'seconds':>8} {'rows/s':>10} {'peak MiB':>9}")
    with tempfile.TemporaryDirectory() as folder:
        for rows in sizes:
            csv_file = Path(folder) / f"people_{rows}.csv"
            write_people_csv(csv_file, rows)
            child = subprocess.run([sys.executable, __file__, "--register-only", str(csv_file)], check=True,
                                   capture_output=True, text=True)
            figures = json.loads(child.stdout.strip().splitlines()[-1])
            size_mib = csv_file.stat().st_size / 2**20
            print(f"{figures['rows']:>10,} {size_mib:>9.1f} {figures['seconds']:>8.1f} "
                  f"{figures['rows'] / figures['seconds']:>10,.0f} {figures['peak_mib']:>9.0f}")
            csv_file.unlink()


if __name__ == "__main__":
    main()
