"""Tests of verbatim.departments: labels, TOML loading and validation, theme routing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from verbatim.departments import (
    UNASSIGNED,
    Department,
    RoutingSettings,
    department_centroids,
    department_labels,
    department_texts,
    load_departments,
    parse_departments,
    route_themes,
)
from verbatim.errors import ConfigError

CONFIGS = Path(__file__).resolve().parents[1] / "configs"

# Hand-made 3-d vectors: each department points along one axis.
DEPARTMENTS = pd.DataFrame([[1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0]], index=["Delivery", "Billing", "App"])


def test_departments_route_by_cosine_similarity():
    themes = pd.DataFrame(
        [[3.0, 1.0, 0.0], [0.0, 0.2, 2.0], [1.0, 1.0, 1.0], [-1.0, 0.0, 0.0]],
        index=["late parcel", "app crash", "vague", "opposite"],
    )
    routed = route_themes(themes, DEPARTMENTS, floor=0.6)
    assert list(routed["theme"]) == ["late parcel", "app crash", "vague", "opposite"]
    # late parcel: cos to Delivery = 3 / sqrt(10) = 0.9487, to Billing = 1 / sqrt(10) = 0.3162.
    first = routed.iloc[0]
    assert first["department"] == "Delivery" and first["assigned"]
    assert first["similarity"] == pytest.approx(3 / np.sqrt(10))
    assert first["runner_up"] == "Billing"
    assert first["margin"] == pytest.approx(2 / np.sqrt(10))
    # app crash: cos to App = 2 / sqrt(4.04) = 0.9950.
    assert routed.iloc[1]["department"] == "App"
    assert routed.iloc[1]["similarity"] == pytest.approx(2 / np.sqrt(4.04))
    # vague: 1 / sqrt(3) = 0.577 to every department, below the 0.6 floor; a tie goes to
    # the first listed department and the margin is 0.
    vague = routed.iloc[2]
    assert vague["department"] == UNASSIGNED and not vague["assigned"]
    assert vague["best_department"] == "Delivery" and vague["margin"] == pytest.approx(0.0)
    assert routed.iloc[3]["department"] == UNASSIGNED


def test_departments_floor_is_inclusive_and_tunable():
    themes = np.array([[1.0, 1.0, 0.0]])  # cos 0.7071 to Delivery and Billing
    names = list(DEPARTMENTS.index)
    assert route_themes(themes, DEPARTMENTS.to_numpy(), 0.7, department_names=names)["assigned"].iloc[0]
    assert not route_themes(themes, DEPARTMENTS.to_numpy(), 0.71, department_names=names)["assigned"].iloc[0]
    default = route_themes(themes, DEPARTMENTS, RoutingSettings().floor)
    assert default["department"].iloc[0] == "Delivery" and default["theme"].iloc[0] == 0


def test_departments_route_single_department_has_no_runner_up():
    routed = route_themes(np.array([[1.0, 0.0]]), np.array([[1.0, 1.0]]), department_names=["Stores"])
    assert routed["department"].iloc[0] == "Stores"
    assert routed["runner_up"].iloc[0] is None and np.isnan(routed["margin"].iloc[0])


@pytest.mark.parametrize(
    ("themes", "departments", "names", "message"),
    [
        (np.ones((2, 3)), np.ones((2, 4)), ["a", "b"], "dimensions"),
        (np.zeros((1, 3)), np.ones((2, 3)), ["a", "b"], "all-zero"),
        (np.full((1, 3), np.nan), np.ones((2, 3)), ["a", "b"], "NaN"),
        (np.ones((1, 3)), np.ones((2, 3)), ["a"], "department names"),
        (np.ones((1, 3)), np.ones((2, 3)), None, "department_names is required"),
        (np.ones(3), np.ones((2, 3)), ["a", "b"], "2-D"),
    ],
)
def test_departments_route_rejects_bad_vectors(themes, departments, names, message):
    with pytest.raises(ValueError, match=message):
        route_themes(themes, departments, department_names=names)


def test_departments_centroids_average_unit_vectors():
    texts = department_texts(
        [Department("Delivery", "parcels", ("late", "lost")), Department("Billing", "money", ("refund",))]
    )
    assert list(texts["department"]) == ["Delivery"] * 3 + ["Billing"] * 2
    assert list(texts["text"]) == ["parcels", "late", "lost", "money", "refund"]
    vectors = np.array([[2.0, 0.0], [0.0, 5.0], [1.0, 0.0], [0.0, 3.0], [0.0, 1.0]])
    centroids = department_centroids(vectors, texts["department"])
    assert list(centroids.index) == ["Delivery", "Billing"]
    np.testing.assert_allclose(centroids.loc["Delivery"], [2 / 3, 1 / 3])  # lengths do not weigh
    np.testing.assert_allclose(centroids.loc["Billing"], [0.0, 1.0])
    with pytest.raises(ValueError, match="5 vectors for 4"):
        department_centroids(vectors, texts["department"][:4])


def test_departments_bundled_config_is_valid():
    departments = load_departments(CONFIGS / "departments.toml")
    assert [d.name for d in departments] == ["Delivery", "Customer Service", "Billing", "App", "Returns", "Stores"]
    for department in departments:
        assert department.description and 5 <= len(department.examples) <= 8


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no department defined"),
        ('Delivery = "parcels"', "'Delivery' must be a table"),
        ('[Delivery]\nexamples = ["late"]', "'Delivery': description must be a non-empty string"),
        ('[Delivery]\ndescription = "  "\nexamples = ["late"]', "description must be a non-empty string"),
        ('[Delivery]\ndescription = "parcels"', "examples must be a non-empty list"),
        ('[Delivery]\ndescription = "parcels"\nexamples = []', "examples must be a non-empty list"),
        ('[Delivery]\ndescription = "parcels"\nexamples = ["late", 3]', "example 2 must be a non-empty string"),
        ('[Delivery]\ndescription = "x"\nexamples = ["y"]\nowner = "Ann"', "unknown key 'owner'"),
        ('[Unassigned]\ndescription = "x"\nexamples = ["y"]', "reserved"),
        ('[App]\ndescription = "x"\nexamples = ["y"]\n[app]\ndescription = "x"\nexamples = ["y"]', "differ only by case"),
    ],
)
def test_departments_toml_validation_errors(tmp_path, text, message):
    path = tmp_path / "departments.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_departments(path)
    error = caught.value
    assert error.code == "E203" and message in str(error)
    assert "\n" not in str(error) and str(path) in str(error)


def test_departments_file_errors(tmp_path):
    with pytest.raises(ConfigError, match="E201.*not found"):
        load_departments(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[Delivery\ndescription = 1", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_departments(broken)
    assert caught.value.code == "E201" and "not valid TOML" in str(caught.value) and "\n" not in str(caught.value)
    # As Windows Notepad saves it: a byte-order mark before the first table ("Invalid statement").
    bom = tmp_path / "bom.toml"
    bom.write_bytes('[Delivery]\ndescription = "parcels"\nexamples = ["late"]\n'.encode("utf-8-sig"))
    assert [d.name for d in load_departments(bom)] == ["Delivery"]


def test_departments_parse_strips_text():
    (department,) = parse_departments({" Stores ": {"description": " shops ", "examples": [" queue "]}})
    assert department == Department("Stores", "shops", ("queue",))


def test_departments_labels_normalise_missing_and_blank():
    labels = department_labels(pd.Series([" App ", None, np.nan, "", "  ", 3, "Billing"]))
    assert labels.tolist() == ["App", None, None, None, None, "3", "Billing"]


def test_departments_routing_settings_validate_floor():
    with pytest.raises(ValueError, match="floor"):
        RoutingSettings(floor=1.5)
