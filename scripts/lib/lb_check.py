"""scripts/local-cluster.sh --check, through the nginx load balancer: REST, a workspace WebSocket and SockJS pass,
and requests spread over both nodes (nginx's access log names the upstream of each). Prints one line per check and
exits 1 when any failed. Usage: lb_check.py LB_URL ACCESS_LOG UPSTREAM...
"""

import os
import sys
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from collab_client import Api, WebSocket  # noqa: E402


def main(lb, access_log, upstreams):
    api = Api(lb)
    failures = 0

    def check(what, ok, detail=""):
        nonlocal failures
        failures += 0 if ok else 1
        print(f"check: lb {what}: {'ok' if ok else 'FAILED'}{(' (' + detail + ')') if detail else ''}", flush=True)

    user = api.register("lbcheck")
    workspace_id = api.workspace(user, "lb-check")
    check("REST register, login, project and workspace through nginx", True)

    sock = WebSocket(lb, workspace_id, user["access"])
    first = sock.recv(10)
    sock.close()
    check("WebSocket upgrade through nginx", first is not None and first.get("type") == "presence_state",
          f"first message {first}")

    info = api.get("/eventbus/info")
    check("SockJS info through nginx", info.status == 200 and isinstance(info.body, dict)
          and info.body.get("websocket") is True, f"{info.status} {info.body}")
    sockjs = WebSocket(lb, None, None, path=f"/eventbus/{uuid.uuid4().int % 1000}/{uuid.uuid4().hex[:8]}/websocket")
    opened = sockjs.recv_text(10)
    sockjs.close()
    check("SockJS WebSocket transport through nginx", opened == "o", f"first frame {opened!r}")

    for _ in range(8):
        api.get("/health/ready")
    with open(access_log) as f:
        recent = f.readlines()[-8:]
    used = {u for u in upstreams if any(f"upstream={u}" in line for line in recent)}
    check("requests spread over the nodes", used == set(upstreams), f"upstreams seen: {sorted(used)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3:]))
