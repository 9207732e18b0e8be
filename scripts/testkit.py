"""Small helpers shared by the test and benchmark scripts in this folder."""
import socket


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port
