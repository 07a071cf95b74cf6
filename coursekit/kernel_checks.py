"""The part of the checks that runs in the graded kernel: run a test cell, record its values.

This file is sent, as text, to the kernel after the notebook's last cell (see
coursekit.checks). Nothing here decides anything: the kernel belongs to the
student, who can change any of it. It only runs a test cell's code with an
`expect` that records the value each check got, and returns the records as
plain data (JSON, base64-encoded). The grader compares them with the
reference solution's, in its own process.
"""


def install(expect_source, user_namespace):
    """Return run(source, cell_id) -> base64 JSON {"records": [...], "error": None or {...}}.

    user_namespace: the notebook's globals; each cell's checks run in a copy of it.
    """
    import base64
    import json
    import random
    import sys

    tools = {"__name__": "coursekit_expect"}
    exec(expect_source, tools)
    plain, nothing = tools["_plain"], tools["_NOTHING"]

    def run(source, cell_id):
        filename = f"<checks of {cell_id}>"
        records = []

        def top_line():
            """The line of the test cell's top-level statement that is running now."""
            line, frame = None, sys._getframe(2)
            while frame is not None:
                if frame.f_code.co_filename == filename:
                    line = frame.f_lineno
                frame = frame.f_back
            return line

        def expect(what, got, expected=nothing, tol=1e-9, accept=None):
            record = {"what": str(what)[:500], "tol": float(tol), "line": top_line(), "value": plain(got)}
            if expected is not nothing:
                record["expected"] = plain(expected)
            if accept is not None:
                record["accept"] = str(accept)
            records.append(record)

        namespace = dict(user_namespace)
        namespace["expect"] = expect
        _seed(cell_id)
        error = None
        try:
            exec(compile(source, filename, "exec", dont_inherit=True), namespace)
        except BaseException as exception:  # noqa: BLE001 -- whatever stopped the checks is reported
            error = {"type": type(exception).__name__[:80], "line": _error_line(exception, filename)}
        reply = json.dumps({"records": records, "error": error}, allow_nan=False)
        return base64.b64encode(reply.encode()).decode("ascii")

    def _seed(cell_id):
        """Every cell's checks start from the same random state, whatever the notebook drew before."""
        seed = sum(ord(c) * (i + 1) for i, c in enumerate(cell_id))
        random.seed(seed)
        numpy = sys.modules.get("numpy")
        if numpy is not None:
            numpy.random.seed(seed % 2 ** 32)

    def _error_line(exception, filename):
        """The line of the test cell's top-level statement that raised."""
        trace = exception.__traceback__
        while trace is not None and trace.tb_frame.f_code.co_filename != filename:
            trace = trace.tb_next
        return trace.tb_lineno if trace is not None else None

    return run
