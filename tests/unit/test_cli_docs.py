"""`hr-pipeline docs` serves the dbt docs site of a home on localhost."""

from __future__ import annotations

import threading
import urllib.request

from hr_pipeline.cli import docs_server, main


def test_docs_server_serves_the_site_and_its_manifest(tmp_path):
    (tmp_path / "index.html").write_text("<html>dbt docs</html>", encoding="utf-8")
    (tmp_path / "manifest.json").write_text('{"nodes": {}}', encoding="utf-8")
    server = docs_server(tmp_path, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        assert urllib.request.urlopen(f"{base}/").read() == b"<html>dbt docs</html>"
        assert urllib.request.urlopen(f"{base}/manifest.json").read() == b'{"nodes": {}}'
    finally:
        server.shutdown()
        server.server_close()


def test_docs_without_a_built_site_says_what_to_run(tmp_path, capsys):
    assert main(["docs", "--home", str(tmp_path)]) == 1
    assert "hr-pipeline demo" in capsys.readouterr().err
