"""Work nbgrader 0.9 redoes for every notebook it grades, done once per process.

Grading runs nbgrader's converters once per submission, in long-lived
processes; two of their set-up costs are the same every time:

- every Gradebook creates a new SQLAlchemy engine, and with it an empty cache
  of compiled SQL: each notebook compiles the same forty statements again
  (about 0.06 s of CPU per notebook, in the one process that records grades);
- every check of a cell's nbgrader metadata calls jsonschema.validate, which
  checks the schema itself before the metadata (about 0.03 s per notebook).

Both are caches keyed on what nbgrader passes; nothing nbgrader computes or
stores changes. tests/test_nbgrader_speedups.py checks that they take effect.
"""
import jsonschema
import sqlalchemy
from nbgrader import api
from nbgrader.nbgraderformat import common

_engines = {}
_validators = {}


def shared_engine(url, **options):
    """sqlalchemy.create_engine, one engine per URL and options (Gradebook.close only empties its pool)."""
    key = (str(url), tuple(sorted(options.items())))
    if key not in _engines:
        _engines[key] = sqlalchemy.create_engine(url, **options)
    return _engines[key]


class _JsonschemaWithCachedValidators:
    """The jsonschema module as nbgrader's metadata check sees it: validate() reuses a checked schema."""

    def __getattr__(self, name):
        return getattr(jsonschema, name)

    @staticmethod
    def validate(instance, schema):
        key = id(schema)  # nbgrader's validators keep their schema for their whole life
        if key not in _validators:
            cls = jsonschema.validators.validator_for(schema)
            cls.check_schema(schema)
            _validators[key] = (schema, cls(schema))  # holding the schema keeps its id unique
        _validators[key][1].validate(instance)


def apply():
    api.create_engine = shared_engine
    common.jsonschema = _JsonschemaWithCachedValidators()
