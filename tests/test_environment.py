"""The environment is pinned, and environment.yml carries the same pins as requirements.txt."""
import re

import yaml

from coursekit.environment import environment_yml, pins

from .conftest import ROOT


def test_every_requirement_is_pinned_exactly():
    for pin in pins((ROOT / "requirements.txt").read_text()):
        assert "==" in pin, f"requirements.txt: {pin!r} is not pinned with =="


def test_direct_requirements_are_in_the_lock_with_the_same_version():
    locked = {p.split("==")[0].lower().replace("_", "-"): p.split("==")[1]
              for p in pins((ROOT / "requirements.txt").read_text())}
    for pin in pins((ROOT / "requirements.in").read_text()):
        name, version = pin.split("==")
        name = re.sub(r"\[.*\]", "", name)  # psycopg[binary] is pinned as psycopg
        assert locked.get(name.lower().replace("_", "-")) == version, f"{pin} is not in requirements.txt"


def test_environment_yml_has_the_pins_of_requirements_txt():
    requirements = (ROOT / "requirements.txt").read_text()
    text = (ROOT / "environment.yml").read_text()
    assert text == environment_yml(requirements), "environment.yml is stale: run ./course write-environment-yml"
    spec = yaml.safe_load(text)
    pip_section = next(d["pip"] for d in spec["dependencies"] if isinstance(d, dict))
    assert pip_section == pins(requirements)
    assert "python=3.11" in spec["dependencies"]
