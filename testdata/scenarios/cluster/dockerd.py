#!/usr/bin/env python3
"""A stand-in for a container runtime's Docker Engine API, for recording the cluster scenario.

No Docker engine runs where scenarios are recorded, and only a runtime can tell a capture
that a container is privileged, what its image is, or which pod it belongs to. This serves
`GET /containers/{id}/json` and `GET /images/{image}/json` on a unix socket, as Docker does,
for the two sandboxes of scenario.sh; every other container is unknown (404).

    dockerd.py SOCKET
"""
import json
import os
import socketserver
import sys
from http.server import BaseHTTPRequestHandler

IMAGE_ID = "sha256:" + "5ca1ab1e" * 8

# The sandboxes of scenario.sh (their ids must match), as `docker inspect` shows them.
CONTAINERS = {
    # A debugging container started with --privileged.
    "c0ffee0000021111222233334444555566667777888899990000aaaabbbbcccc": {
        "name": "/node-debugger",
        "image": "debian:bookworm",
        "privileged": True,
        "labels": {},
    },
    # An application container of a Kubernetes pod (cri-dockerd names and labels).
    "c0ffee0000031111222233334444555566667777888899990000aaaabbbbcccc": {
        "name": "/k8s_web_web-7d4b9c_shop_0f1e2d3c_0",
        "image": "debian:bookworm",
        "privileged": False,
        "labels": {
            "io.kubernetes.pod.name": "web-7d4b9c",
            "io.kubernetes.pod.namespace": "shop",
            "io.kubernetes.container.name": "web",
        },
    },
}


def inspect(cid, c):
    return {
        "Id": cid,
        "Created": "2026-11-29T20:00:00.123456789Z",
        "Path": "sh",
        "State": {"Status": "running", "Running": True, "Pid": 0},
        "Image": IMAGE_ID,
        "Name": c["name"],
        "Driver": "overlay2",
        "HostConfig": {"NetworkMode": "host", "Privileged": c["privileged"]},
        "Mounts": [],
        "Config": {
            "Hostname": cid[:12],
            "User": "",
            "Image": c["image"],
            "Labels": c["labels"],
        },
        "NetworkSettings": {"IPAddress": "", "Networks": {}},
    }


IMAGE = {
    "Id": IMAGE_ID,
    "RepoTags": ["debian:bookworm"],
    "RepoDigests": ["debian@sha256:" + "d1ce" * 16],
}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        body, status = {"message": "page not found"}, 404
        parts = self.path.split("/")
        if len(parts) == 4 and parts[1] == "containers" and parts[3] == "json":
            c = CONTAINERS.get(parts[2])
            if c is not None:
                body, status = inspect(parts[2], c), 200
            else:
                body = {"message": "No such container: " + parts[2]}
        elif len(parts) == 4 and parts[1] == "images" and parts[2] == IMAGE_ID:
            body, status = IMAGE, 200
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

    def get_request(self):
        # BaseHTTPRequestHandler wants a (host, port) client address; a unix socket has none.
        sock, _ = super().get_request()
        return sock, ("runtime", 0)


if __name__ == "__main__":
    path = sys.argv[1]
    if os.path.exists(path):
        os.unlink(path)
    with Server(path, Handler) as server:
        server.serve_forever()
