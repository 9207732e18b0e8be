"""Small helpers shared by the test and benchmark scripts in this folder."""
import socket


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def stop_all(procs, timeout=10):
    """SIGTERM every child still running, wait up to `timeout` s each, SIGKILL the ones that stay."""
    import subprocess
    for p in procs:
        if p and p.poll() is None:
            p.terminate()
    for p in procs:
        if not p:
            continue
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
