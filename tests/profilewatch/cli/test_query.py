"""``changes``, ``history``, ``show``, ``diff`` and ``sources`` exactly as the contract says."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from profilewatch import samples
from profilewatch.config import SourceConfig
from storage.store import Store
from tests.storage.test_store import T0, URL, check
from tests.support.cli import invoke as invoke_cli

OTHER = "https://education-profiles.org/central-and-southern-asia/kazakhstan/~inclusion"
CONFIG = f"""
[[source]]
name = "peer"
spider = "unesco"
organisation = "UNESCO"
urls = ["{URL}", "{OTHER}"]
"""


@pytest.fixture
def archive(tmp_path: Path) -> tuple[str, Path]:
    db = f"sqlite:///{tmp_path / 'store.db'}"
    (tmp_path / "profilewatch.toml").write_text(CONFIG, encoding="utf-8")
    store = Store.open(db)
    store.sync_sources([SourceConfig(name="peer", spider="unesco", urls=(URL, OTHER),
                                     organisation="UNESCO")])
    base = samples.load_sample("unesco-profile")
    store.record(check(URL, base, T0))
    store.record(check(URL, samples.edit_text(base, 1), T0 + timedelta(days=1)))
    store.record(check(URL, samples.bump_last_modified(samples.edit_text(base, 1),
                                                       "2025-01-07T10:00:00Z",
                                                       "Tue, 07/01/2025 - 11:00"),
                       T0 + timedelta(days=2)))
    store.close()
    return db, tmp_path / "profilewatch.toml"


def invoke(archive: tuple[str, Path], *args: str) -> tuple[int, str, str]:
    db, config = archive
    result = invoke_cli(db, config, *args)
    return result.exit_code, result.stdout, result.stderr


def test_changes_json_shape_and_filters(archive: tuple[str, Path]) -> None:
    code, out, _ = invoke(archive, "changes", "--json")
    events = json.loads(out)
    assert code == 0 and [e["kind"] for e in events] == ["new", "content", "metadata"]
    assert set(events[0]) == {"id", "url", "source", "kind", "detected_at", "from_version",
                              "to_version", "last_modified_before", "last_modified_after", "title",
                              "summary", "lines_added", "lines_removed", "document"}
    assert all(e["document"] is False for e in events)     # pages, not linked documents
    assert events[1]["detected_at"] == "2026-03-02T12:00:00Z"
    assert events[2]["last_modified_before"] == "2024-08-05T15:13:00Z"
    assert events[2]["last_modified_after"] == "2025-01-07T10:00:00Z"
    since = json.loads(invoke(archive, "changes", "--json", "--since", "2026-03-02T12:00:00Z")[1])
    assert [e["kind"] for e in since] == ["content", "metadata"]
    by_kind = json.loads(invoke(archive, "changes", "--json", "--kind", "metadata")[1])
    assert [e["to_version"] for e in by_kind] == [3]


def test_history_json(archive: tuple[str, Path]) -> None:
    code, out, _ = invoke(archive, "history", URL, "--json")
    history = json.loads(out)
    assert code == 0 and [v["version"] for v in history] == [1, 2, 3]
    assert {"version", "fetched_at", "content_sha256", "last_modified", "title", "http_status",
            "final_url"} <= set(history[0])
    assert history[0]["fetched_at"] == "2026-03-01T12:00:00Z"
    assert history[2]["content_sha256"] == history[1]["content_sha256"]


def test_a_watched_page_without_versions_prints_an_empty_list(archive: tuple[str, Path]) -> None:
    code, out, _ = invoke(archive, "history", OTHER, "--json")
    assert (code, json.loads(out)) == (0, [])


def test_show_at_a_bare_date_means_the_end_of_that_day(archive: tuple[str, Path]) -> None:
    code, out, _ = invoke(archive, "show", URL, "--at", "2026-03-01")
    assert code == 0 and "1. Terminology" in out and "revision 1" not in out
    code, out, _ = invoke(archive, "show", URL, "--at", "2026-03-02T12:00:00+00:00")
    assert "added in revision 1" in out
    code, out, _ = invoke(archive, "show", URL, "--version", "1", "--format", "json")
    data = json.loads(out)
    assert data["version"] == 1 and data["last_modified_text"] == "Mon, 05/08/2024 - 17:13"
    code, out, _ = invoke(archive, "show", URL, "--version", "1", "--format", "html")
    assert out.startswith("<!DOCTYPE html>")


def test_diff_defaults_to_the_last_two_versions(archive: tuple[str, Path]) -> None:
    code, out, _ = invoke(archive, "diff", URL)
    assert code == 0 and "v2" in out and "v3" in out
    assert "declared date: Mon, 05/08/2024 - 17:13 → Tue, 07/01/2025 - 11:00" in out
    code, out, _ = invoke(archive, "diff", URL, "--from", "1", "--to", "2", "--format", "json")
    data = json.loads(out)
    assert (data["from"]["version"], data["to"]["version"]) == (1, 2)
    assert data["hunks"][0]["section"].startswith("2.1.")
    code, out, _ = invoke(archive, "diff", URL, "--from", "1", "--to", "2", "--format", "html")
    assert "<ins" in out and "added in revision 1" in out


@pytest.mark.parametrize(("args", "code", "message"), [
    (("history", "https://unknown.example/"), 1, "is not a watched page"),
    (("show", URL, "--at", "yesterday"), 2, "cannot read time 'yesterday'"),
    (("show", URL, "--version", "9"), 1, "has no version 9"),
    (("diff", URL, "--from", "7"), 1, "has no version 7"),
    (("show", URL, "--at", "2000-01-01"), 1, "no version at or before 2000-01-01T23:59:59Z"),
])
def test_errors_are_one_line(archive: tuple[str, Path], args: tuple[str, ...], code: int,
                             message: str) -> None:
    exit_code, _, err = invoke(archive, *args)
    assert exit_code == code
    assert message in err and err.strip().count("\n") == 0


def test_sources_works_offline_on_the_builtin_watchlist(tmp_path: Path) -> None:
    result = invoke_cli(f"sqlite:///{tmp_path / 'none.db'}", None, "sources", "--json")
    data = json.loads(result.stdout)
    assert result.exit_code == 0 and {s["name"] for s in data} >= {"unesco-peer", "unicef-azerbaijan"}
    assert not (tmp_path / "none.db").exists()


def test_reading_a_store_that_does_not_exist_says_so_and_creates_nothing(tmp_path: Path) -> None:
    (tmp_path / "profilewatch.toml").write_text(CONFIG, encoding="utf-8")
    missing = (f"sqlite:///{tmp_path / 'typo.db'}", tmp_path / "profilewatch.toml")
    for args, out in ((("changes", "--json"), "[]\n"), (("history", URL, "--json"), "[]\n"),
                      (("changes",), "no changes\n")):
        code, stdout, stderr = invoke(missing, *args)
        assert (code, stdout) == (0, out)      # scripts still read an empty answer
        assert stderr == (f"profilewatch: no store at sqlite:///{tmp_path / 'typo.db'} yet: nothing "
                          "has been checked there (`profilewatch run` creates it)\n")
    assert not (tmp_path / "typo.db").exists()


def test_changes_pages_through_the_events_with_after_id_and_limit(
        archive: tuple[str, Path]) -> None:
    _, out, _ = invoke(archive, "changes", "--json")
    every = json.loads(out)
    code, out, _ = invoke(archive, "changes", "--limit", "2", "--json")
    first = json.loads(out)
    assert code == 0 and first == every[:2]                     # the oldest
    _, out, _ = invoke(archive, "changes", "--after-id", str(first[-1]["id"]), "--limit", "2",
                       "--json")
    assert json.loads(out) == every[2:]                         # the rest, the last page short
    _, out, _ = invoke(archive, "changes", "--after-id", str(every[-1]["id"]), "--json")
    assert out == "[]\n"
    code, _, err = invoke(archive, "changes", "--limit", "0")
    assert code == 2 and "--limit" in err



def test_a_listing_is_written_as_one_indented_document(archive: tuple[str, Path],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Long arrays are written a chunk of elements at a time: the same bytes as one dump."""
    monkeypatch.setattr("profilewatch.cli.output.ELEMENTS_PER_WRITE", 2)
    for args in (("changes", "--json"), ("history", URL, "--json"), ("changes", "--limit", "1",
                                                                      "--json")):
        _, out, _ = invoke(archive, *args)
        assert out == json.dumps(json.loads(out), ensure_ascii=False, indent=2) + "\n"
