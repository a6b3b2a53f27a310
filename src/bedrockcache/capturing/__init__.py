"""Capture what a running program really sends to Bedrock, and audit each request."""

from bedrockcache.capturing.record import CapturedRequest
from bedrockcache.capturing.responses import Usage
from bedrockcache.capturing.session import Capture, capture

__all__ = ["Capture", "CapturedRequest", "Usage", "capture"]
