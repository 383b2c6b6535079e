"""Long-lived streams (SSE, WebSocket): one registry per process, a cap, wake-ups, shutdown."""

from .board import Board
from .hub import Hub, Stream, StreamsFull

__all__ = ["Board", "Hub", "Stream", "StreamsFull"]
