"""pytest plugin: the ``bedrock_capture`` fixture, an offline ``bedrockcache.capture()`` per test.

Registered through the ``pytest11`` entry point, so installing bedrockcache is enough. It imports
nothing heavy until a test asks for the fixture. Configure one test with the marker::

    @pytest.mark.bedrock_capture(usage={"cache_read_input_tokens": 2000}, passthrough=False)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from bedrockcache.capturing import Capture

_OPTIONS = ("passthrough", "usage", "reply")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "bedrock_capture(passthrough=False, usage=None, reply='ok'): options of the "
        "bedrock_capture fixture for this test",
    )


@pytest.fixture
def bedrock_capture(request: pytest.FixtureRequest) -> Iterator[Capture]:
    """Every Bedrock runtime request the test sends, answered offline unless marked passthrough."""
    from bedrockcache.capturing import capture

    marker = request.node.get_closest_marker("bedrock_capture")
    options = dict(marker.kwargs) if marker else {}
    unknown = sorted(set(options) - set(_OPTIONS))
    if marker and (marker.args or unknown):
        pytest.fail(
            f"bedrock_capture marker takes only keyword options {', '.join(_OPTIONS)}; "
            f"got {', '.join(unknown) or 'positional arguments'}",
            pytrace=False,
        )
    with capture(**options) as captured:
        yield captured
