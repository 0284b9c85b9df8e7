"""A small collab client for the operator scripts (scripts/faults.sh, scripts/local-cluster.sh --check), with the
Python standard library only: JSON over HTTP, and the workspace WebSocket (RFC 6455, client side, text frames).

Every call is bounded by a timeout and reports how long it took, because the fault scenarios measure exactly that.
"""

import base64
import http.client
import json
import os
import socket
import struct
import time
import urllib.parse
import uuid

PASSWORD = "correct horse battery staple"


class Answer:
    """One HTTP answer: status (0 when the connection failed or timed out), parsed JSON body, and elapsed ms."""

    def __init__(self, status, body, ms, error=None):
        self.status, self.body, self.ms, self.error = status, body, ms, error

    def __repr__(self):
        return f"Answer({self.status}, {self.ms:.0f} ms, {self.error or self.body})"


class Api:
    def __init__(self, base, timeout=10.0):
        parsed = urllib.parse.urlparse(base)
        self.host, self.port, self.timeout = parsed.hostname, parsed.port or 80, timeout

    def call(self, method, path, body=None, token=None, timeout=None):
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = "Bearer " + token
        start = time.monotonic()
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout or self.timeout)
        try:
            conn.request(method, path, body=data, headers=headers)
            response = conn.getresponse()
            raw = response.read()
            ms = (time.monotonic() - start) * 1000
            try:
                parsed = json.loads(raw) if raw else None
            except ValueError:
                parsed = raw.decode(errors="replace")
            return Answer(response.status, parsed, ms)
        except (OSError, http.client.HTTPException) as e:
            return Answer(0, None, (time.monotonic() - start) * 1000, error=f"{type(e).__name__}: {e}")
        finally:
            conn.close()

    def get(self, path, token=None, timeout=None):
        return self.call("GET", path, token=token, timeout=timeout)

    def post(self, path, body, token=None, timeout=None):
        return self.call("POST", path, body, token=token, timeout=timeout)

    def expect(self, answer, status):
        if answer.status != status:
            raise RuntimeError(f"expected {status}, got {answer}")
        return answer.body

    # ---- the conveniences the scenarios share ----

    def register(self, label):
        unique = f"{label}-{uuid.uuid4().hex[:10]}"
        email = unique + "@example.test"
        self.expect(self.post("/api/auth/register/", {"email": email, "username": unique, "password": PASSWORD}), 201)
        login = self.expect(self.post("/api/auth/login/", {"email": email, "password": PASSWORD}), 200)
        return {"email": email, "access": login["access"]}

    def workspace(self, user, name="faults"):
        token = user["access"]
        project = self.expect(self.post("/api/projects/projects/", {"name": name}, token), 201)
        workspace = self.expect(self.post("/api/projects/workspaces/", {"name": name, "project": project["id"]},
                                          token), 201)
        return workspace["id"]

    def submit(self, user, workspace_id, code, timeout=None):
        return self.post("/api/jobs/submit/", {"language": "python", "code": code, "workspace_id": workspace_id},
                         user["access"], timeout=timeout)

    def job(self, user, job_id):
        return self.get(f"/api/jobs/{job_id}/", user["access"])


class Refused(Exception):
    """The server answered the WebSocket handshake with an HTTP status instead of 101."""

    def __init__(self, status, ms):
        super().__init__(f"handshake refused with {status}")
        self.status, self.ms = status, ms


class Closed(Exception):
    def __init__(self, code):
        super().__init__(f"socket closed ({code})")
        self.code = code


class WebSocket:
    """A client WebSocket on a workspace: ws://host:port/ws/workspaces/<id>/?token=…[&since=…]."""

    def __init__(self, base, workspace_id, token, since=None, epoch=None, timeout=10.0, path=None):
        """since and epoch: where a reconnect resumes (docs/realtime.md); path, when given, replaces the workspace path
        (e.g. SockJS's /eventbus/<server>/<session>/websocket)."""
        parsed = urllib.parse.urlparse(base)
        if path is None:
            path = f"/ws/workspaces/{workspace_id}/?token={urllib.parse.quote(token)}"
            if since is not None:
                path += f"&since={since}"
                if epoch is not None:
                    path += f"&epoch={urllib.parse.quote(str(epoch))}"
        start = time.monotonic()
        self.sock = socket.create_connection((parsed.hostname, parsed.port or 80), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {path} HTTP/1.1\r\nHost: {parsed.hostname}:{parsed.port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
                          .encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise Refused(0, (time.monotonic() - start) * 1000)
            head += chunk
        head, self.buffer = head.split(b"\r\n\r\n", 1)
        status = int(head.split(b" ", 2)[1])
        self.handshake_ms = (time.monotonic() - start) * 1000
        if status != 101:
            self.sock.close()
            raise Refused(status, self.handshake_ms)
        self.last_seq = since
        self.last_epoch = epoch

    def send(self, event, payload, ref=None):
        message = {"event": event, "payload": payload}
        if ref is not None:
            message["ref"] = ref
        self._frame(0x1, json.dumps(message).encode())

    def recv_text(self, timeout):
        """The next text frame as a string (SockJS frames are not JSON objects), or None after timeout seconds."""
        frame = self._read_frame(time.monotonic() + timeout)
        return frame[1].decode() if frame is not None and frame[0] == 0x1 else None

    def recv(self, timeout):
        """The next JSON message, or None after timeout seconds. Answers pings; raises Closed on a close frame."""
        deadline = time.monotonic() + timeout
        while True:
            frame = self._read_frame(deadline)
            if frame is None:
                return None
            opcode, payload = frame
            if opcode == 0x1:
                message = json.loads(payload)
                if isinstance(message.get("seq"), int) and message.get("type") in ("broadcast", "job",
                                                                                     "recovery_failed"):
                    # the position a reconnect resumes from (epoch: servers that have them)
                    self.last_seq, self.last_epoch = message["seq"], message.get("epoch", self.last_epoch)
                return message
            if opcode == 0x9:
                self._frame(0xA, payload)
            elif opcode == 0x8:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                raise Closed(code)

    def until(self, match, timeout):
        """Messages up to the first that matches (inclusive); the last is None when none did in time."""
        deadline = time.monotonic() + timeout
        seen = []
        while True:
            message = self.recv(max(0.0, deadline - time.monotonic()))
            seen.append(message)
            if message is None or match(message):
                return seen

    def close(self):
        try:
            self._frame(0x8, struct.pack("!H", 1000))
        except OSError:
            pass
        self.sock.close()

    def _frame(self, opcode, payload):
        mask = os.urandom(4)
        header = bytes([0x80 | opcode])
        n = len(payload)
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 65536:
            header += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def _fill(self, n, deadline):
        """True once the buffer holds n bytes; False at the deadline (what arrived stays in the buffer)."""
        while len(self.buffer) < n:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return False
            except OSError:
                raise Closed(None)
            if not chunk:
                raise Closed(None)
            self.buffer += chunk
        return True

    def _read_frame(self, deadline):
        """One whole frame (opcode, payload), consumed from the buffer only once complete; None at the deadline."""
        if not self._fill(2, deadline):
            return None
        opcode, length = self.buffer[0] & 0x0F, self.buffer[1] & 0x7F
        extra = 2 if length == 126 else 8 if length == 127 else 0
        if not self._fill(2 + extra, deadline):
            return None
        if extra:
            length = struct.unpack("!H" if extra == 2 else "!Q", self.buffer[2:2 + extra])[0]
        if not self._fill(2 + extra + length, deadline):
            return None
        payload = self.buffer[2 + extra:2 + extra + length]
        self.buffer = self.buffer[2 + extra + length:]
        return opcode, payload
