"""gunicorn's gevent worker with the sandbox's one change on the request path: a yield after
each request (sandbox/server/workers.py says why), so floor_app runs as the sandbox does."""

import gevent
from gunicorn.workers.ggevent import GeventWorker


class YieldingWorker(GeventWorker):
    """GeventWorker that lets the loop's other greenlets run after each request."""

    def handle_request(self, listener_name, req, sock, addr):
        """Serve one request, then yield to the loop."""
        result = super().handle_request(listener_name, req, sock, addr)
        gevent.sleep(0)
        return result
