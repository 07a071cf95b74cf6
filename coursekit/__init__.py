"""Course tooling for "From Expressions to Machine Learning": what nbgrader lacks."""
import sys

# jsonschema imports rfc3987_syntax, when installed, to check the "iri" string
# format; importing it builds a grammar for 1.5 s. Nothing here checks that
# format, and every grading worker would pay it: jsonschema does without it.
sys.modules.setdefault("rfc3987_syntax", None)
