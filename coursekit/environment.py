"""environment.yml for conda users, carrying exactly the pins of requirements.txt."""
from pathlib import Path

HEADER = """\
# Conda environment for the course kit: the same pins as requirements.txt
# (written by `./course lock`; tests/test_environment.py checks they agree).
#   conda env create -f environment.yml && conda activate expressions-to-ml
name: expressions-to-ml
channels:
  - conda-forge
dependencies:
  - python=3.11
  - pip
  - pip:
"""


def pins(requirements_text):
    """The `name==version` lines of a requirements file."""
    return [line.strip() for line in requirements_text.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def environment_yml(requirements_text):
    return HEADER + "".join(f"      - {pin}\n" for pin in pins(requirements_text))


def write_environment_yml(root):
    root = Path(root)
    path = root / "environment.yml"
    path.write_text(environment_yml((root / "requirements.txt").read_text()))
    return path
