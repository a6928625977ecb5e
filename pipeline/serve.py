"""`doit serve`: run the stale tasks, serve the site on 127.0.0.1, rebuild on change.

Registered as a doit command through the `doit.COMMAND` entry point. The responses carry
the cross-origin isolation headers that WASM threads need, scripts and WebAssembly go
gzipped to browsers that take it (as static hosts send them), and nothing outside the site
directory can be reached. While it serves, it watches the checkpoint directory, web/src and
the settings; on a change it runs `doit` again and tells open pages to reload, or shows
them why the build failed (the last site that built stays served).
"""

from __future__ import annotations

import functools
import gzip
import http.server
import io
import json
import os
import posixpath
import subprocess
import sys
import threading
import urllib.parse
from pathlib import Path
from typing import ClassVar

from doit.cmd_run import Run

from pipeline import config as settings
from pipeline import livereload, site, sources

ISOLATION_HEADERS = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
}
# Pages and the manifest change with every publish; everything else has a content-hashed name.
ALWAYS_REVALIDATE = {"/", "/index.html", "/manifest.json"}
# Sent gzipped to browsers that take it, as static hosts do: scripts, pages, JSON and
# WebAssembly shrink to a third or less (LiteRT.js's 9 MB .wasm to under 3). Model weights
# hardly shrink, and go as they are.
COMPRESSIBLE = {".js", ".mjs", ".wasm", ".json", ".html", ".css", ".svg", ".txt"}
# Compressed files kept in memory: the newest publishes' scripts and .wasm, and more.
COMPRESSED_KEPT = 64


class _Compressed:
    """Files gzipped once and kept, by path and version (size and modification time)."""

    def __init__(self):
        self._kept: dict[tuple, bytes] = {}
        self._lock = threading.Lock()

    def of(self, path: str) -> bytes:
        status = os.stat(path)
        key = (path, status.st_size, status.st_mtime_ns)
        with self._lock:
            if key not in self._kept:
                self._kept[key] = gzip.compress(Path(path).read_bytes(), 6, mtime=0)
                while len(self._kept) > COMPRESSED_KEPT:
                    del self._kept[next(iter(self._kept))]  # the oldest
            return self._kept[key]


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map: ClassVar[dict[str, str]] = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".json": "application/json",
        ".bin": "application/octet-stream",
    }

    compressed: ClassVar[_Compressed] = _Compressed()

    def __init__(self, *arguments, events: livereload.Events | None = None, **keywords):
        self.events = events  # before the base class, which handles the request at once
        super().__init__(*arguments, **keywords)

    def do_GET(self) -> None:
        path = urllib.parse.urlsplit(self.path).path
        if self.events is not None and path == livereload.EVENTS_PATH:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            try:
                self.events.stream(self._send_now, stopped=lambda: self.server.stopping)
            except OSError:
                pass  # the page went away
            return
        super().do_GET()

    def send_head(self):
        path = self.translate_path(self.path)
        accepted = self.headers.get("Accept-Encoding", "")
        if not (os.path.isfile(path) and Path(path).suffix in COMPRESSIBLE and "gzip" in accepted):
            return super().send_head()
        data = self.compressed.of(path)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Vary", "Accept-Encoding")
        self.end_headers()
        return io.BytesIO(data)

    def _send_now(self, data: bytes) -> None:
        self.wfile.write(data)
        self.wfile.flush()

    def translate_path(self, path: str) -> str:
        """Maps a URL path into the site directory, or to a path that does not exist."""
        root = Path(self.directory).resolve()
        relative = posixpath.normpath(urllib.parse.unquote(path.split("?", 1)[0].split("#", 1)[0]))
        parts = [part for part in relative.split("/") if part not in ("", ".", "..")]
        candidate = root.joinpath(*parts).resolve()
        if candidate != root and root not in candidate.parents:
            return str(root / ".not-found")  # a link that points out of the site
        return str(candidate)

    def list_directory(self, path):
        # no listings: an unknown path is a 404, whatever lies behind it
        self.send_error(404, "Not found")

    def end_headers(self) -> None:
        for name, value in ISOLATION_HEADERS.items():
            self.send_header(name, value)
        if urllib.parse.urlsplit(self.path).path in ALWAYS_REVALIDATE:
            self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format: str, *args) -> None:
        sys.stderr.write(f"serve: {self.address_string()} {format % args}\n")


class SiteServer(http.server.ThreadingHTTPServer):
    daemon_threads = True  # open event streams must not keep the process alive
    request_queue_size = 256  # a page opening many connections at once is not turned away
    stopping = False


def make_server(site_dir: Path, host: str, port: int, events: livereload.Events | None = None,
                handler: type[SiteHandler] = SiteHandler) -> SiteServer:  # fmt: skip
    factory = functools.partial(handler, directory=str(site_dir), events=events)
    return SiteServer((host, port), factory)


def rebuild(config: settings.Config, events: livereload.Events) -> None:
    """Runs `doit` as a new process (the task list depends on the files that changed), then
    tells the pages: reload when the published site changed, or why the build failed."""
    before = _published(config)
    print("serve: inputs changed, rebuilding", flush=True)
    completed = subprocess.run(
        [sys.executable, "-m", "doit"],
        cwd=config.root,
        capture_output=True,
        text=True,
        check=False,
    )
    sys.stdout.write(completed.stdout + completed.stderr)
    if completed.returncode != 0:
        failure = _failure(completed.stdout + completed.stderr)
        print("serve: the rebuild failed; still serving the last site that built", flush=True)
        events.publish("build-error", json.dumps(failure))
    elif _published(config) != before:
        events.publish("reload")
    else:
        events.publish("build-ok")


def _published(config: settings.Config) -> tuple[bytes, ...]:
    pages = (config.site_dir / site.PAGE_NAME, config.site_dir / site.MANIFEST_NAME)
    return tuple(page.read_bytes() if page.exists() else b"" for page in pages)


def _failure(output: str) -> str:
    """The lines of doit's report from the first failed task on."""
    lines = output.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith(("TaskFailed", "TaskError"))]
    return "\n".join(lines[starts[0]:] if starts else lines[-30:]).strip()


def watched_paths(config: settings.Config) -> list[Path]:
    source = Path(os.environ.get(settings.CONFIG_ENV) or config.root / "pyproject.toml")
    web = config.web_dir
    return [*sources.watched(config.model_source), web / "src", web / "package.json",
            web / "package-lock.json", web / "webpack.config.js", web / "tsconfig.json",
            source]  # fmt: skip


opt_host = {
    "name": "host",
    "long": "host",
    "type": str,
    "default": None,
    "help": "address to listen on [default: serve_host of pyproject.toml, 127.0.0.1]",
}
opt_port = {
    "name": "port",
    "long": "port",
    "type": int,
    "default": None,
    "help": "port to listen on [default: serve_port of pyproject.toml, 8000]",
}


class Serve(Run):
    doc_purpose = "run the stale tasks, then serve the site (with WASM threads enabled)"
    doc_usage = "[--host HOST] [--port PORT] [TASK ...]"
    doc_description = None
    cmd_options = (*Run.cmd_options, opt_host, opt_port)

    def _execute(
        self,
        outfile,
        verbosity=None,
        always=False,
        continue_=False,
        reporter="console",
        num_process=0,
        par_type="process",
        single=False,
        auto_delayed_regex=False,
        force_verbosity=False,
        failure_verbosity=0,
        pdb=False,
        host=None,
        port=None,
    ):
        failed = super()._execute(
            outfile, verbosity, always, continue_, reporter, num_process, par_type, single,
            auto_delayed_regex, force_verbosity, failure_verbosity, pdb,
        )
        config = settings.load(os.getcwd())
        page = config.site_dir / "index.html"
        if failed and not page.exists():
            sys.stderr.write("serve: the build failed and there is no site to serve yet\n")
            return failed
        if failed:
            sys.stderr.write("serve: the build failed; serving the last site that built\n")
        events = livereload.Events()
        server = make_server(
            config.site_dir,
            config.serve_host if host is None else host,
            config.serve_port if port is None else port,
            events,
        )
        watcher = livereload.Watcher(watched_paths(config), lambda: rebuild(config, events))
        watcher.start()
        address, bound_port = server.server_address[:2]
        print(f"Serving {config.site_dir} at http://{address}:{bound_port}/ (Ctrl-C stops)",
              flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            watcher.stop()
            server.stopping = True
            server.server_close()
        return 0
