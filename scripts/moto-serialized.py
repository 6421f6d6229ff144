"""moto_server that handles one request at a time.

moto's DynamoDB checks a ConditionExpression and then writes in two separate steps, and moto_server serves each
connection on its own thread, so two concurrent conditional writes to one item can both succeed (seen in the test suite
under load: two winners of one optimistic-lock round). Real DynamoDB applies a conditional write atomically, and the
store code relies on that. Serialising moto's requests behind one lock restores that property; the connections still
have their threads, so keep-alive clients never wait for each other's idle sockets, only for a request in progress.
Same arguments as moto_server (-H HOST -p PORT ...).
"""
import sys
import threading

from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.server import main

_one_at_a_time = threading.Lock()
_dispatch = DomainDispatcherApplication.__call__


def _serialised(self, environ, start_response):
    with _one_at_a_time:
        return _dispatch(self, environ, start_response)


DomainDispatcherApplication.__call__ = _serialised

if __name__ == "__main__":
    main(sys.argv[1:])
