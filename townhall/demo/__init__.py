"""The built-in demo council: a fictional borough, Ashbury, with siloed systems, real signal and ground truth.

    from townhall.demo import generate_demo_council
    council = generate_demo_council(Path("ashbury-data"), residents=10_000, seed=2026)
    for source in council.sources:
        print(source.name, source.file)

``sources/`` holds one file per system, ``geography/`` reference boundaries and lookups, and ``truth/`` the ground
truth (who is behind each record, what was planted), which analyses must never read.
"""

from townhall.demo.generator import DemoCouncil, DemoSource, generate_demo_council

__all__ = ["DemoCouncil", "DemoSource", "generate_demo_council"]
