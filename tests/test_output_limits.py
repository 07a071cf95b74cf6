"""The notebook pass keeps what the kernel sends only within the output limit, whatever kind of message it is,
and says truly why a cell stopped. Messages are handed to the executor directly: no kernel runs here."""
import asyncio
import json

import nbformat
import pytest
from jupyter_core.utils import run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from traitlets.config import Config

from coursekit.executor import ERROR_CHARS, ERROR_LINES, SandboxedExecute

LIMIT = 10_000


def executor(limit=LIMIT):
    execute = SandboxedExecute(config=Config({"Sandbox": {"output_bytes": limit}}))
    execute.nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("pass")])
    execute.nb.cells[0].metadata["nbgrader"] = {"grade_id": "my_cell"}
    execute.reset_execution_trackers()
    execute.clear_before_next_output = False  # as nbclient sets it for each cell
    execute._start_notebook()
    return execute


def message(msg_type, content, buffers=()):
    return {"msg_type": msg_type, "header": {"msg_type": msg_type}, "parent_header": {"msg_id": "m"},
            "metadata": {}, "content": content, "buffers": list(buffers)}


def send(execute, *messages):
    cell = execute.nb.cells[0]
    for msg in messages:
        execute.process_message(msg, cell, 0)
    return cell


def display(data, display_id, update=False):
    return message("update_display_data" if update else "display_data",
                   {"data": {"text/plain": data}, "metadata": {}, "transient": {"display_id": display_id}})


def huge_error():
    return message("error", {"ename": "ValueError", "evalue": "x" * 2 ** 20, "traceback": ["y" * 10_000] * 1000})


def stored(execute):
    """Bytes of what the notebook would hold: its cells and its widget state."""
    execute.set_widgets_metadata()
    return len(nbformat.writes(execute.nb))


def test_an_error_is_cut_to_size():
    execute = executor(limit=2 ** 20)
    [error] = send(execute, huge_error()).outputs
    assert len(error.evalue) < ERROR_CHARS + 100
    assert len(error.traceback) == ERROR_LINES and "941 traceback lines cut" in error.traceback[0]
    assert all(len(line) < ERROR_CHARS + 100 for line in error.traceback)
    assert execute._output_dropped_in is None


def test_errors_count_toward_the_limit_and_a_cell_past_it_still_shows_that_it_failed():
    execute = executor()
    cell = send(execute, huge_error(), huge_error(), huge_error())
    notice, error = cell.outputs  # the first error is over the limit: one line of it is kept, the rest dropped
    assert "output limit reached" in notice.text
    assert error.output_type == "error" and error.ename == "ValueError" and len(error.traceback) == 1
    assert execute._output_dropped_in == "my_cell"
    assert stored(execute) < 2 * LIMIT


def test_display_updates_count_once_for_every_output_they_rewrite():
    execute = executor()
    send(execute, *[display("small", "shared") for _ in range(5)])
    send(execute, display("u" * 3000, "shared", update=True))  # rewrites five outputs: 15 kB
    assert execute._output_dropped_in == "my_cell"
    assert stored(execute) < 2 * LIMIT


def test_a_display_updated_in_place_many_times_costs_only_what_it_shows():
    execute = executor()
    send(execute, display("0", "progress"))
    send(execute, *[display(f"{step:>500}", "progress", update=True) for step in range(100)])
    assert execute._output_dropped_in is None
    assert execute.nb.cells[0].outputs[0].data["text/plain"].strip() == "99"


def test_widget_state_and_buffers_count_toward_the_limit():
    execute = executor()
    state = {"_model_name": "DOMWidgetModel", "_model_module": "@jupyter-widgets/base"}
    send(execute, message("comm_open", {"comm_id": "w", "target_name": "jupyter.widget", "data": {"state": state}}))
    send(execute, *[message("comm_msg", {"comm_id": "w", "data": {"method": "update",
                                                                    "state": {f"key{i}": "z" * 3000}}})
                    for i in range(10)])
    assert execute._output_dropped_in == "my_cell"
    assert stored(execute) < 2 * LIMIT

    execute = executor()
    send(execute, message("comm_msg", {"comm_id": "w", "data": {"state": {"b": None}, "buffer_paths": [["b"]]}},
                          buffers=[b"\0" * 8000]))  # kept as base64: 10.7 kB
    assert execute._output_dropped_in == "my_cell" and not execute.widget_buffers


def test_a_message_nbclient_cannot_process_stops_the_cell_as_the_graders_error():
    execute = executor()
    send(execute, message("comm_msg", {"comm_id": "w"}))  # no data: nbclient raises KeyError
    assert execute._unprocessable == "KeyError"
    send(execute, message("stream", {"name": "stdout", "text": "after"}))
    assert execute.nb.cells[0].outputs == [], "a cell being stopped kept more output"
    kind, detail, words = execute._why_stopped(DeadKernelError("Kernel died"))  # what nbclient raises next
    assert (kind, detail) == ("grader_error", "KeyError") and "the grader could not process" in words


class AliveKernel:
    interrupted = False

    async def is_alive(self):
        return True

    async def interrupt_kernel(self):
        self.interrupted = True


@pytest.mark.parametrize("error, kind", [(CellTimeoutError("Timeout waiting for IOPub output"), "unresponsive"),
                                         (KeyError("status"), "grader_error")])
def test_a_live_kernel_that_stops_a_cell_is_not_said_to_have_died(error, kind):
    execute = executor()
    execute.km = AliveKernel()
    assert execute._why_stopped(error)[0] == kind


def test_a_time_limit_is_recorded_when_nbclient_enforces_it_never_read_from_outputs():
    execute = executor()
    cell = execute.nb.cells[0]
    own = {"status": "error", "ename": "CellTimeoutError", "evalue": "mine", "traceback": []}
    cell.outputs = [nbformat.v4.new_output("error", ename="CellTimeoutError", evalue="mine", traceback=[])]
    execute.on_cell_executed(cell=cell, cell_index=0, execute_reply={"content": own})
    assert execute.events == [], "a student's own CellTimeoutError was taken for a time limit"

    execute.km = AliveKernel()
    reply = run_sync(execute._async_handle_timeout)(6, cell)
    assert execute.km.interrupted
    execute.on_cell_executed(cell=cell, cell_index=0, execute_reply=reply)
    assert execute.events == [("timeout", "my_cell")]


def test_an_error_only_in_the_reply_is_shown_cut_to_size():
    execute = executor(limit=2 ** 20)
    cell = execute.nb.cells[0]
    content = {**huge_error()["content"], "status": "error"}
    execute.on_cell_executed(cell=cell, cell_index=0, execute_reply={"content": content})
    [error] = cell.outputs
    assert len(json.dumps(error)) < (ERROR_LINES + 1) * (ERROR_CHARS + 100)


def test_what_the_executor_records_is_plain_json():
    execute = executor()
    send(execute, message("comm_msg", {"comm_id": "w"}))
    execute._stop_in(execute.nb.cells[0], 0, asyncio.CancelledError())
    assert json.loads(json.dumps(execute.events)) == [["grader_error", "my_cell", "KeyError"]]
