"""The published JSON Schema of report.json: valid, and never changed without a version bump."""

from __future__ import annotations

import hashlib
import json
from importlib import resources

import jsonschema

from verbatim.report.build import SCHEMA_VERSION, load_schema

# sha256 of src/verbatim/schema/report.schema.json for each published version. Changing the
# schema without bumping schema_version (and adding its hash here) fails this test.
PUBLISHED = {
    "1.2": "5c2229818a5fa5010f1c301d169bdc1d1dcd28aae775ad8f48b641a9d316da75",
    "1.3": "3fb5221a571b2f0ec251b81b4e081c24913b0bf812eeb069331c2ca7794c470f",  # run.polarity
    "1.4": "c7e956b174768520ea73bba29ae908c52c2288c65037429d1c91a84f3b46b7d8",  # themes[].side
    "1.5": "17c14ebacab8f9c82536f9393486cb64788bafe4175a863a313ed653d6571689",  # parents; share, parent_id described
    "1.6": "fb7f690cf5b5efdf7cfcce42c5d3c3a2aa60059f69cd2642ccd08bfb67a2bebd",  # run.scale, quotes' nps_group
    "1.7": "e475940202033d195ffae10d998568e32cbd097c0f388a86ee422d2842cfdbe4",  # themes[].general, ranking.general_reactions
    "1.8": "dd259320755a01404cf0a0e94af8e19cbee8ae56a6ae40554482bdd92da8d846",  # run.columns.group; run.columns.score null with it
    "1.9": "cb51f50200afee15f8c0862778ee58cb8d8ef5f2ba393814752a6338199ff209",  # quotes' highlight
    "1.10": "8682dc65db7c4d1be12350eaefd5788c14bc7215125654cfcdd77d71e71741d6",  # nps.weighted_ci_low/high, n_effective; ranked themes' tied_with
    "1.11": "0ec8cdf160838f152b2694e678c031180ef0dba22ee2620f855db0081a270f00",  # trend: NPS change intervals, spike q-values
    "1.12": "dfae276bac109c5504cdb951b05e812d00653e0e4b9f5e6ab13ef2dbb0b70a32",  # run.polarity.from_model
}


def test_schema_is_a_valid_draft_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(load_schema())


def test_schema_version_matches_the_builder():
    assert load_schema()["properties"]["schema_version"] == {"const": SCHEMA_VERSION}


def test_schema_change_bumps_the_version():
    raw = resources.files("verbatim").joinpath("schema/report.schema.json").read_bytes()
    version = json.loads(raw)["properties"]["schema_version"]["const"]
    assert version in PUBLISHED, f"schema {version} is not pinned in PUBLISHED"
    assert hashlib.sha256(raw).hexdigest() == PUBLISHED[version], (
        "report.schema.json changed: bump schema_version (MINOR for an added field, MAJOR for a removed or "
        "changed one) and pin the new hash here"
    )
