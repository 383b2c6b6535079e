"""Opening a long-lived stream from a request: the cap's refusal in the surface's shape."""

from ..errors import ApiError
from ..streams import Stream, StreamsFull
from .path import Runtime


def open_stream(rt: Runtime, kind: str, key=None, on_close=None) -> Stream:
    """Register a stream in this process's hub; past its cap, a JSON 503 with Retry-After."""
    try:
        return rt.streams.open(kind, key, on_close)
    except StreamsFull as full:
        if full.closing:
            message, reason = "The sandbox is shutting down", "shutting_down"
            hint = "Reconnect in a few seconds: the sandbox is restarting or stopping."
        else:
            message = f"This sandbox worker holds its cap of {full.cap} open streams"
            reason = "too_many_streams"
            hint = (
                "Close streams you no longer read (each SDK instance holds one /sse), or "
                "raise SANDBOX_STREAMS_MAX; retry after the seconds in Retry-After."
            )
        raise ApiError(
            503,
            message,
            reason,
            hint,
            headers={"Retry-After": str(full.retry_after)},
            cap=full.cap,
        ) from None
