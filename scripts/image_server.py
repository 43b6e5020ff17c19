#!/usr/bin/env python3

# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""image_server.py - the loopback image server that activity 3 (download) runs against: no internet needed.

Serves generated images with injectable per-request latency, per-connection bandwidth and faults, bound to
127.0.0.1 on a free port (--port 0, the default). The first line on stdout is `PORT N` (and --port-file F
writes N to F), so a script or a test learns where it listens; --list-file L writes the original's 6 x 5 URL
list on this server to L (before the port file); --tls-cert C --tls-key K serves https instead (a certificate
for 127.0.0.1 that a test signs with a certificate authority of its own). Stop it with SIGTERM or SIGINT.

Routes (GET; a query string is ignored except `latency=S` and `bandwidth=B`, which override --latency and
--bandwidth for that request: a slow body for one URL among fast ones):
  /images/NAME                 a generated image; NAME is everything after /images/, as sent (undecoded)
  /sha256/images/NAME          "HEX SIZE\\n": the sha256 and size of that image's body
  /lists/original.txt          the original lesson's 6 image URLs x 5 (30 lines), on this server
  /lists/bench.txt?n=N         N distinct image URLs (bench-000.jpg ...), one a line
  /redirect/N/REST             302 to /redirect/N-1/REST ... and /redirect/0/REST to /REST
  /fault/404[/...]             404 with a small body
  /fault/500[/...]             500 with a small body, every time
  /fault/cut[/NAME]            Content-Length of the whole image, half of it sent, then the connection closed
  /fault/stall[/NAME]          headers and 1 KiB of the image, then silence (--stall seconds, default 120)
  /fault/reset[/...]           the connection reset (RST) before any response
  /fault/redirect-loop[/...]   302 to itself, forever
  /fault/redirect-ftp[/...]    302 to ftp://127.0.0.1:9/file.jpg (a client must refuse to follow)
  /fault/endless[/...]         200 with no Content-Length and a body that never ends
  /fault/flaky/K/KIND/ID/NAME  the fault KIND (500, cut, reset or stall) for the first K requests of this
                               K/KIND/ID, then the image NAME: for retries
  /stats                       JSON: requests, connections now and most at once, requests in flight and most
                               at once, requests in their latency wait and most at once (max_waiting: the
                               client's true concurrency when the latency dominates), image bodies being
                               sent and most at once, per-path counts
  /                            a short text index

The image body (documented so tests can compute it; image_body() below is the reference):
  size = --image-size if given, else 20000 + (first 4 bytes of sha256(NAME) as a big-endian int) % 40000
  stream = sha256(f"{NAME}:0") || sha256(f"{NAME}:1") || ...   (NAME as UTF-8 of the undecoded path text)
  body = (JPEG_HEAD + stream)[:size - 2] + b"\\xff\\xd9"   (JPEG start and end markers around the bytes)
"""
import argparse
import functools
import hashlib
import json
import os
import signal
import socket
import ssl
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

JPEG_HEAD = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
JPEG_TAIL = b"\xff\xd9"

# The original lesson's six images (images.unsplash.com/photo-...): the same names, served here.
ORIGINAL_NAMES = [
    "photo-1509718443690-d8e2fb3474b7",
    "photo-1587620962725-abab7fe55159",
    "photo-1493119508027-2b584f234d6c",
    "photo-1482062364825-616fd23b8fc1",
    "photo-1521185496955-15097b20c5fe",
    "photo-1510915228340-29c85a43dcfe",
]


class OneLineParser(argparse.ArgumentParser):
    """argparse, with a usage error as one line on stderr (NAME: error: ...) and exit 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def image_size(name, fixed_size=None):
    if fixed_size is not None:
        return fixed_size
    return 20000 + int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big") % 40000


@functools.lru_cache(maxsize=4096)
def image_body(name, fixed_size=None):
    """The bytes served at /images/NAME (NAME undecoded, as in the request path)."""
    size = image_size(name, fixed_size)
    blocks = (size + 31) // 32
    stream = b"".join(hashlib.sha256(f"{name}:{i}".encode()).digest() for i in range(blocks))
    if size < len(JPEG_HEAD) + len(JPEG_TAIL):
        return stream[:size]
    return (JPEG_HEAD + stream)[: size - len(JPEG_TAIL)] + JPEG_TAIL


def image_sha256(name, fixed_size=None):
    return hashlib.sha256(image_body(name, fixed_size)).hexdigest()


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = 0
        self.connections = 0
        self.max_connections = 0
        self.connections_total = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.waiting = 0  # requests inside their latency wait: exact concurrency, whatever the response's end
        self.max_waiting = 0
        self.sending = 0  # image bodies being sent now (begun, not yet all written)
        self.max_sending = 0
        self.paths = {}
        self.flaky = {}

    def connect(self, delta):
        with self.lock:
            self.connections += delta
            self.connections_total += delta > 0
            self.max_connections = max(self.max_connections, self.connections)

    def request(self, path, delta):
        with self.lock:
            if delta > 0:
                self.requests += 1
                self.paths[path] = self.paths.get(path, 0) + 1
            self.in_flight += delta
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def wait(self, delta):
        with self.lock:
            self.waiting += delta
            self.max_waiting = max(self.max_waiting, self.waiting)

    def send(self, delta):
        with self.lock:
            self.sending += delta
            self.max_sending = max(self.max_sending, self.sending)

    def flaky_hit(self, key):
        with self.lock:
            self.flaky[key] = self.flaky.get(key, 0) + 1
            return self.flaky[key]

    def as_json(self):
        with self.lock:
            return json.dumps({"requests": self.requests, "connections": self.connections,
                               "connections_total": self.connections_total,
                               "max_connections": self.max_connections, "in_flight": self.in_flight,
                               "max_in_flight": self.max_in_flight, "waiting": self.waiting,
                               "max_waiting": self.max_waiting, "sending": self.sending,
                               "max_sending": self.max_sending, "paths": self.paths})


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real image hosts do
    server_version = "multitarefas-image-server/1"
    disable_nagle_algorithm = True  # TCP_NODELAY, as real servers: no 40 ms delayed-ACK stall on reused connections

    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        if self.server.options.verbose:
            sys.stderr.write("image_server: %s %s\n" % (self.address_string(), format % args))

    def setup(self):
        if isinstance(self.request, ssl.SSLSocket):  # TLS: the handshake in this thread, not the accepting one
            self.request.settimeout(30)
            self.request.do_handshake()
            self.request.settimeout(None)
        super().setup()
        self.server.stats.connect(+1)

    def finish(self):
        try:
            super().finish()
        finally:
            self.server.stats.connect(-1)

    # --- helpers -------------------------------------------------------------------------------------
    def base_url(self):
        scheme = "https" if self.server.options.tls_cert else "http"
        return "%s://%s:%d" % ((scheme,) + self.server.server_address[:2])

    def send_simple(self, code, text, extra_headers=()):
        body = text.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for key, value in extra_headers:
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location):
        self.send_simple(302, "redirect\n", [("Location", location)])

    def write_throttled(self, data):
        """Write data at most --bandwidth (or this request's bandwidth=B) bytes a second (0: as fast as possible)."""
        bandwidth = self.bandwidth
        if bandwidth <= 0:
            self.wfile.write(data)
            return
        chunk = max(1024, min(16384, bandwidth // 50))
        start = time.monotonic()
        for offset in range(0, len(data), chunk):
            piece = data[offset:offset + chunk]
            # A piece leaves when its last byte would have crossed a link of this bandwidth: the body's last
            # byte at len/bandwidth, and no pause after it to delay the next request on this connection.
            pause = start + (offset + len(piece)) / bandwidth - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            self.wfile.write(piece)

    def send_image_head(self, length):
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        if length is not None:
            self.send_header("Content-Length", str(length))
        self.end_headers()

    def send_image(self, name):
        body = image_body(name, self.server.options.image_size)
        self.send_image_head(len(body))
        self.server.stats.send(+1)
        try:
            self.write_throttled(body)
        finally:
            self.server.stats.send(-1)

    def reset_connection(self):
        # SO_LINGER with a zero timeout makes close() send RST: the client sees a reset, not a clean end.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True

    def fault(self, kind, name):
        if kind == "500":
            self.send_simple(500, "injected server error\n")
        elif kind == "404":
            self.send_simple(404, "not found (injected)\n")
        elif kind == "cut":
            body = image_body(name, self.server.options.image_size)
            self.send_image_head(len(body))
            self.write_throttled(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
        elif kind == "stall":
            body = image_body(name, self.server.options.image_size)
            self.send_image_head(len(body))
            self.wfile.write(body[:1024])
            self.wfile.flush()
            time.sleep(self.server.options.stall)
            self.close_connection = True
        elif kind == "reset":
            self.reset_connection()
        elif kind == "redirect-loop":
            self.redirect(self.path)
        elif kind == "redirect-ftp":
            self.redirect("ftp://127.0.0.1:9/file.jpg")
        elif kind == "endless":
            self.send_image_head(None)
            self.close_connection = True  # no length: the body ends only when the connection does
            block = image_body("endless", 65536)
            while True:
                self.write_throttled(block)
        else:
            self.send_simple(404, "unknown fault %r\n" % kind)

    # --- routing -------------------------------------------------------------------------------------
    def do_GET(self):  # noqa: N802 (the base class's name)
        parts = urlsplit(self.path)
        path = parts.path
        query = parse_qs(parts.query)
        stats = self.server.stats
        stats.request(path, +1)
        try:
            latency = self.server.options.latency
            if "latency" in query:
                latency = float(query["latency"][0])
            self.bandwidth = self.server.options.bandwidth
            if "bandwidth" in query:
                self.bandwidth = int(query["bandwidth"][0])
            if latency > 0 and not path.startswith(("/stats", "/sha256/", "/lists/")):
                stats.wait(+1)
                time.sleep(latency)
                stats.wait(-1)
            self.route(path, query)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            stats.request(path, -1)

    def route(self, path, query):
        if path.startswith("/images/") and len(path) > len("/images/"):
            self.send_image(path[len("/images/"):])
        elif path.startswith("/sha256/images/"):
            name = path[len("/sha256/images/"):]
            body = image_body(name, self.server.options.image_size)
            self.send_simple(200, "%s %d\n" % (hashlib.sha256(body).hexdigest(), len(body)))
        elif path == "/lists/original.txt":
            urls = ["%s/images/%s" % (self.base_url(), name) for name in ORIGINAL_NAMES] * 5
            self.send_simple(200, "".join(url + "\n" for url in urls))
        elif path == "/lists/bench.txt":
            n = int(query.get("n", ["30"])[0])
            self.send_simple(200, "".join("%s/images/bench-%03d.jpg\n" % (self.base_url(), i) for i in range(n)))
        elif path.startswith("/redirect/"):
            hops, _, rest = path[len("/redirect/"):].partition("/")
            if not hops.isdigit():
                self.send_simple(404, "bad redirect count\n")
            elif int(hops) == 0:
                self.redirect("/" + rest)
            else:
                self.redirect("/redirect/%d/%s" % (int(hops) - 1, rest))
        elif path.startswith("/fault/flaky/"):
            fields = path[len("/fault/flaky/"):].split("/", 3)
            if len(fields) != 4 or not fields[0].isdigit():
                self.send_simple(404, "use /fault/flaky/K/KIND/ID/NAME\n")
                return
            count, kind, ident, name = fields
            hit = self.server.stats.flaky_hit("/".join((count, kind, ident)))
            if hit <= int(count):
                self.fault(kind, name)
            else:
                self.send_image(name)
        elif path.startswith("/fault/"):
            kind, _, rest = path[len("/fault/"):].partition("/")
            self.fault(kind, rest or kind)
        elif path == "/stats":
            self.send_simple(200, self.server.stats.as_json() + "\n")
        elif path == "/":
            self.send_simple(200, __doc__)
        else:
            self.send_simple(404, "not found\n")


class Server(ThreadingHTTPServer):
    daemon_threads = True  # a stalled or endless response never keeps the server from stopping
    request_queue_size = 1024  # hundreds of transfers connecting at once must not meet a full accept queue

    def handle_error(self, request, client_address):
        """A client that refused the certificate, or hung up, is one line with -v, not a traceback."""
        error = sys.exc_info()[1]
        if isinstance(error, (ssl.SSLError, ConnectionError, socket.timeout)):
            if self.options.verbose:
                sys.stderr.write("image_server: %s: %s\n" % (client_address[0], error))
            return
        super().handle_error(request, client_address)


def main(argv=None):
    parser = OneLineParser(prog="image_server.py",
                           description="Loopback image server for download's demo, tests and benchmark.")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default 0: a free one)")
    parser.add_argument("--port-file", help="also write the port to this file")
    parser.add_argument("--list-file", help="also write the original's 6 x 5 URL list on this server to this file")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each response (default 0)")
    parser.add_argument("--bandwidth", type=int, default=0,
                        help="bytes per second per connection (default 0: unlimited)")
    parser.add_argument("--image-size", type=int, default=None, help="every image this many bytes")
    parser.add_argument("--stall", type=float, default=120.0, help="seconds /fault/stall stays silent")
    parser.add_argument("--tls-cert", metavar="PEM",
                        help="serve https with this certificate (its chain after it, PEM); needs --tls-key")
    parser.add_argument("--tls-key", metavar="PEM", help="the certificate's private key (PEM)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log each request on stderr")
    options = parser.parse_args(argv)
    if bool(options.tls_cert) != bool(options.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    context = None
    if options.tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        try:
            context.load_cert_chain(options.tls_cert, options.tls_key)
        except (OSError, ssl.SSLError) as error:
            parser.error("cannot load the certificate '%s' and key '%s': %s"
                         % (options.tls_cert, options.tls_key, error))
    if not 0 <= options.port <= 65535:
        parser.error("--port must be 0 to 65535")
    if options.latency < 0 or options.stall < 0:
        parser.error("--latency and --stall must not be negative")
    if options.bandwidth < 0:
        parser.error("--bandwidth must not be negative (0: unlimited)")
    if options.image_size is not None and options.image_size < 2:
        parser.error("--image-size must be at least 2 bytes")

    server = Server((options.host, options.port), Handler)
    server.options = options
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    scheme = "https" if context is not None else "http"
    server.stats = Stats()
    port = server.server_address[1]
    if options.list_file:  # before the port file: a script that waits for the port finds the list too
        urls = ["%s://127.0.0.1:%d/images/%s\n" % (scheme, port, name) for name in ORIGINAL_NAMES] * 5
        with open(options.list_file + ".tmp", "w") as f:
            f.writelines(urls)
        os.replace(options.list_file + ".tmp", options.list_file)
    if options.port_file:
        temporary = options.port_file + ".tmp"
        with open(temporary, "w") as f:
            f.write("%d\n" % port)
        os.replace(temporary, options.port_file)
    print("PORT %d" % port, flush=True)

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
