"""Course tooling for "From Expressions to Machine Learning": what nbgrader lacks."""
