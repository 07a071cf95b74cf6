"""The grader's kernel client is ready once the kernel has answered on both channels, without a quiet wait."""
import asyncio
from queue import Empty

import pytest

from coursekit.kernel import PromptKernelClient


class FakeChannel:
    """A channel holding the messages a kernel sent; get_msg takes them in order, then says Empty."""

    def __init__(self):
        self.messages = []

    async def get_msg(self, timeout=None):
        if not self.messages:
            raise Empty
        return self.messages.pop(0)


class FakeKernel(PromptKernelClient):
    """A client whose kernel answers each kernel_info request as `answer` says, through fake channels."""

    def __init__(self, answer):
        super().__init__()
        self._shell, self._iopub = FakeChannel(), FakeChannel()
        self.answer, self.requests = answer, []

    @property
    def shell_channel(self):
        return self._shell

    @property
    def iopub_channel(self):
        return self._iopub

    def kernel_info(self):
        request = f"request-{len(self.requests)}"
        self.requests.append(request)
        self.answer(self, request)
        return request

    async def _async_is_alive(self):
        return True


def message(msg_type, parent, **content):
    return {"msg_type": msg_type, "parent_header": {"msg_id": parent}, "content": content}


def replies_fully(kernel, request):
    kernel.shell_channel.messages.append(message("kernel_info_reply", request, status="ok", protocol_version="5.3"))
    kernel.iopub_channel.messages += [message("status", request, execution_state="busy"),
                                      message("status", request, execution_state="idle")]


def test_the_client_is_ready_at_the_idle_status_of_its_request_and_leaves_later_messages_alone():
    # jupyter_client would read on until IOPub stays quiet for 0.2 s; the grader reads only its own messages.
    later = message("stream", "someone-else", name="stdout", text="late\n")

    def then_more(kernel, request):
        replies_fully(kernel, request)
        kernel.iopub_channel.messages.append(later)

    kernel = FakeKernel(then_more)
    kernel.iopub_channel.messages.append(message("status", None, execution_state="starting"))
    asyncio.run(kernel.wait_for_ready(timeout=5))
    assert kernel.requests == ["request-0"], f"expected one kernel_info request, got {kernel.requests}"
    assert kernel.iopub_channel.messages == [later], "the client drained messages after its own idle status"


def test_a_status_lost_to_a_late_subscriber_is_asked_for_again_and_stale_replies_are_skipped():
    def idle_lost_the_first_time(kernel, request):
        if request == "request-0":  # IOPub not connected yet: only the shell reply arrives
            kernel.shell_channel.messages.append(message("kernel_info_reply", request, status="ok", protocol_version="5.3"))
        else:  # a reply to an earlier request comes first
            kernel.shell_channel.messages.append(message("kernel_info_reply", "request-0", status="ok", protocol_version="5.3"))
            replies_fully(kernel, request)

    kernel = FakeKernel(idle_lost_the_first_time)
    asyncio.run(kernel.wait_for_ready(timeout=5))
    assert kernel.requests == ["request-0", "request-1"], f"expected a second request, got {kernel.requests}"
    assert kernel.shell_channel.messages == [] and kernel.iopub_channel.messages == [], \
        "the client stopped before the reply and idle status of its second request"


def test_a_kernel_that_never_answers_times_out_with_a_reason():
    kernel = FakeKernel(lambda kernel, request: None)
    with pytest.raises(RuntimeError, match="didn't respond in 0 seconds"):
        asyncio.run(kernel.wait_for_ready(timeout=0))
