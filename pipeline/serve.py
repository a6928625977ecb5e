"""`doit serve`: run the stale tasks, then serve the site on 127.0.0.1.

Registered as a doit command through the `doit.COMMAND` entry point. The responses carry
the cross-origin isolation headers that WASM threads need, and nothing outside the site
directory can be reached.
"""

from __future__ import annotations

import functools
import http.server
import os
import posixpath
import sys
import urllib.parse
from pathlib import Path
from typing import ClassVar

from doit.cmd_run import Run

from pipeline import config as settings

ISOLATION_HEADERS = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
}
# Pages and the manifest change with every publish; everything else has a content-hashed name.
ALWAYS_REVALIDATE = {"/", "/index.html", "/manifest.json"}


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map: ClassVar[dict[str, str]] = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".js": "text/javascript",
        ".json": "application/json",
        ".bin": "application/octet-stream",
    }

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


def make_server(site_dir: Path, host: str, port: int) -> http.server.ThreadingHTTPServer:
    handler = functools.partial(SiteHandler, directory=str(site_dir))
    return http.server.ThreadingHTTPServer((host, port), handler)


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
        server = make_server(
            config.site_dir,
            config.serve_host if host is None else host,
            config.serve_port if port is None else port,
        )
        address, bound_port = server.server_address[:2]
        print(f"Serving {config.site_dir} at http://{address}:{bound_port}/ (Ctrl-C stops)",
              flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
        return 0
