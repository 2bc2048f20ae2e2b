"""Rebuild src/verbatim/resources/first_names.txt from Faker's first-name lists (MIT licence).

verbatim does not depend on Faker: this script is run by hand when the list should change,
with Faker installed in any environment (``pip install faker``):

    python scripts/build_first_names.py

The list holds the first names of Faker's English-speaking locales (United States, United
Kingdom, Ireland, New Zealand, India, Pakistan, Kenya, Nigeria, and Yoruba), lower case,
written in Latin letters; :mod:`verbatim.staffnames` reads it to tell a first name that the
dictionary also lists as a noun ("Daniel", "Gary", "Mohammed") from a common noun ("advice",
"parking") where a staff member's name stands.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import re
from pathlib import Path

import faker

LOCALES = ("en_US", "en_GB", "en_IE", "en_NZ", "en_IN", "en_PK", "en_KE", "en_NG", "yo_NG")
OUT = Path(__file__).resolve().parents[1] / "src" / "verbatim" / "resources" / "first_names.txt"


def main() -> None:
    names: set[str] = set()
    for locale in LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attr in ("first_names", "first_names_male", "first_names_female", "first_names_nonbinary"):
            values = getattr(provider, attr, None) or ()
            names.update(n.lower() for n in values if re.fullmatch(r"[A-Za-z][A-Za-z'\-]+", n))
    licence = next(f for f in importlib.metadata.files("faker") if f.name.startswith("LICENSE"))
    header = [
        f"# First names of Faker {faker.VERSION} (https://github.com/joke2k/faker), locales",
        "# " + ", ".join(LOCALES) + ".",
        "# Lower case, one per line. Rebuilt by scripts/build_first_names.py. Faker's licence:",
        "#",
        *("# " + line if line else "#" for line in licence.read_text(encoding="utf-8").strip().splitlines()),
    ]
    OUT.write_text("\n".join(header + sorted(names)) + "\n", encoding="utf-8")
    print(f"{len(names)} names -> {OUT}")


if __name__ == "__main__":
    main()
