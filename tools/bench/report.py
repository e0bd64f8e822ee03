"""The bench's report: var/bench/report.md (tables, then each target met or missed) and a chart.

Figures are given absolute and against the ceiling measured in the same run: in-process times as a
multiple of the default-middleware view's time through the test client, req/s as a percentage of
the default-middleware view's req/s over HTTP.
"""

from __future__ import annotations

import json
import re
import statistics
from pathlib import Path
from typing import Any

# The targets of issue 12.
MAX_COMMENTS = 250
MAX_KB = 400
MS_PER_COMMENT = 0.03
BIG_ANON_MS, BIG_MEMBER_MS = 40.0, 60.0
FRONT_SHARE = 50.0  # % of the default-middleware ceiling's req/s
FRONT_MEMBER_RPS = 300.0
LIST_SPREAD = 0.20
REPLY_MS = 5.0
REPLY_SPREAD = 0.20
REPLY_QUERIES = 8


def _f(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _rps(value: float | None) -> str:
    """Requests per second: whole numbers, but a page slower than 10 a second keeps a decimal."""
    return _f(value, 0 if value is None or value >= 10 else 1)


def ceiling_lines(results: dict[str, Any]) -> list[str]:
    ceiling = results["ceiling"]
    inproc = ceiling["inprocess"]
    lines = [
        "| ceiling | in process p50 ms | p95 ms | req/s | p50 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, label in (("bare", "bare view (no middleware)"), ("default", "default middleware")):
        http = ceiling.get("http", {}).get(name, {})
        lines.append(
            f"| {label} | {inproc[name]['p50']:.3f} | {inproc[name]['p95']:.3f} | "
            f"{_f(http.get('rps'), 0)} | {_f(http.get('p50'), 2)} | {_f(http.get('p99'), 2)} |"
        )
    return lines


def page_table(results: dict[str, Any]) -> list[str]:
    base_ms = results["ceiling"]["inprocess"]["default"]["p50"]
    base_rps = results["ceiling"].get("http", {}).get("default", {}).get("rps")
    lines = [
        "| page | user | queries | KB | comments | p50 ms | p95 ms | x ceiling | req/s "
        "| % of ceiling | HTTP p50/p99 ms |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for page in results["pages"]:
        share = page["rps"] / base_rps * 100 if page["rps"] and base_rps else None
        http = (
            f"{page['http_p50']:.1f} / {page['http_p99']:.1f}"
            if page["http_p50"] is not None
            else "-"
        )
        status = "" if page["status"] == 200 else f" (HTTP {page['status']})"
        errors = f" ({page['http_errors']} errors)" if page.get("http_errors") else ""
        lines.append(
            f"| {page['name']}{status} | {page['user']} | {page['queries']} | {page['kb']:.0f} | "
            f"{page['comments']} | {page['p50']:.1f} | {page['p95']:.1f} | "
            f"{page['p50'] / base_ms:.0f} | {_rps(page['rps'])}{errors} | {_f(share, 1)} | "
            f"{http} |"
        )
    return lines


def reply_table(results: dict[str, Any]) -> list[str]:
    base_ms = results["ceiling"]["inprocess"]["default"]["p50"]
    lines = [
        "| existing comments | reply to | tree size | p50 ms | p95 ms | x ceiling | queries |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for reply in results["replies"]:
        target = {"post": "the post (new tree)", "comment": "a comment"}.get(
            reply["parent"], f"a comment in the {reply['parent']}"
        )
        lines.append(
            f"| {reply['existing']:,} | {target} | {reply['tree_size'] or '-'} | "
            f"{reply['p50']:.2f} | {reply['p95']:.2f} | {reply['p50'] / base_ms:.0f} | "
            f"{reply['queries']} |"
        )
    return lines


def search_table(results: dict[str, Any]) -> list[str]:
    base_ms = results["ceiling"]["inprocess"]["default"]["p50"]
    lines = ["| query | sort | results | p50 ms | x ceiling |", "|---|---|---:|---:|---:|"]
    for hit in results["search"]:
        lines.append(
            f"| {hit['query']} | {hit['sort']} | {hit['results']} | {hit['p50']:.1f} | "
            f"{hit['p50'] / base_ms:.0f} |"
        )
    return lines


def _page(results: dict[str, Any], prefix: str, user: str) -> dict[str, Any] | None:
    pages: list[dict[str, Any]] = results["pages"]
    for page in pages:
        if page["name"].startswith(prefix) and page["user"] == user:
            return page
    return None


def _verdict(met: bool | None, detail: str) -> str:
    mark = "not measured" if met is None else "met" if met else "**missed**"
    return f"{mark}: {detail}"


def targets(results: dict[str, Any], other: dict[str, Any] | None) -> list[str]:
    """Each target of issue 12: met or missed, and by how much."""
    lines = []
    discussions = [p for p in results["pages"] if p["kind"] == "discussion"]
    members = [p for p in discussions if p["user"] == "member"]
    worst_comments = max(members, key=lambda p: p["comments"])
    worst_kb = max(members, key=lambda p: p["kb"])
    met = worst_comments["comments"] <= MAX_COMMENTS and worst_kb["kb"] <= MAX_KB
    lines.append(
        f"- A discussion page ≤ {MAX_COMMENTS} comments and ≤ {MAX_KB} KB logged in: "
        + _verdict(
            met,
            f"most comments {worst_comments['comments']} ({worst_comments['name']}, "
            f"{worst_comments['comments'] / MAX_COMMENTS:.1f}x the limit); largest "
            f"{worst_kb['kb']:.0f} KB ({worst_kb['name']}, {worst_kb['kb'] / MAX_KB:.1f}x)",
        )
    )
    per = [(p["p50"] / p["comments"], p) for p in discussions if p["comments"] >= 20]
    if per:
        worst_per, page = max(per, key=lambda pair: pair[0])
        lines.append(
            f"- Render ≤ {MS_PER_COMMENT} ms per comment shown (pages of 20+ comments): "
            + _verdict(
                worst_per <= MS_PER_COMMENT,
                f"worst {worst_per:.3f} ms ({page['name']}, {page['user']}; "
                f"{worst_per / MS_PER_COMMENT:.1f}x the target)",
            )
        )
    slopes = []
    for user in ("anonymous", "member"):
        points = [(p["comments"], p["p50"]) for p in discussions if p["user"] == user]
        if len({c for c, _ in points}) >= 2:
            fit = statistics.linear_regression([c for c, _ in points], [t for _, t in points])
            slopes.append(f"{fit.slope:.3f} ms per comment + {fit.intercept:.1f} ms, {user}")
    if slopes:
        lines.append(
            "  - (the cost of one more comment, a least-squares line through every discussion "
            "page's p50: " + "; ".join(slopes) + ")"
        )
    for user, limit in (("anonymous", BIG_ANON_MS), ("member", BIG_MEMBER_MS)):
        page = _page(results, "big thread", user)
        if page:
            lines.append(
                f"- The {page['name']} first page ≤ {limit:.0f} ms p50, {user}: "
                + _verdict(
                    page["p50"] <= limit,
                    f"{page['p50']:.1f} ms ({page['p50'] / limit * 100:.0f}% of the budget)",
                )
            )
    base_rps = results["ceiling"].get("http", {}).get("default", {}).get("rps")
    front = _page(results, "index p1", "anonymous")
    if front and front["rps"] and base_rps:
        share = front["rps"] / base_rps * 100
        lines.append(
            f"- Anonymous front page ≥ {FRONT_SHARE:.0f}% of the default-middleware ceiling's "
            "req/s: "
            + _verdict(
                share >= FRONT_SHARE,
                f"{front['rps']:,.0f} req/s = {share:.1f}% of {base_rps:,.0f}",
            )
        )
    else:
        lines.append(f"- Anonymous front page ≥ {FRONT_SHARE:.0f}% of the ceiling: not measured")
    front = _page(results, "index p1", "member")
    if front and front["rps"]:
        lines.append(
            f"- Logged-in front page ≥ {FRONT_MEMBER_RPS:.0f} req/s: "
            + _verdict(
                front["rps"] >= FRONT_MEMBER_RPS,
                f"{front['rps']:,.0f} req/s ({front['rps'] / FRONT_MEMBER_RPS * 100:.0f}% of "
                "the target)",
            )
        )
    else:
        lines.append(f"- Logged-in front page ≥ {FRONT_MEMBER_RPS:.0f} req/s: not measured")
    lines.append(list_spread(results, other))
    lines.extend(reply_targets(results))
    return lines


def list_spread(results: dict[str, Any], other: dict[str, Any] | None) -> str:
    title = f"- Every list page within ±{LIST_SPREAD * 100:.0f}% between default and --large: "
    if other is None or {results["profile"], other["profile"]} != {"default", "large"}:
        return title + _verdict(None, "needs results of both profiles (run --large too)")
    default, large = (results, other) if results["profile"] == "default" else (other, results)
    spreads = []
    for page in default["pages"]:
        if page["kind"] not in ("list", "search"):
            continue
        twin = next(
            (p for p in large["pages"] if p["url"] == page["url"] and p["user"] == page["user"]),
            None,
        )
        if twin:
            change = twin["p50"] / page["p50"] - 1
            spreads.append((abs(change), change, page))
    if not spreads:
        return title + _verdict(None, "no list page in both")
    worst = max(spreads, key=lambda s: s[0])
    details = ", ".join(f"{p['name']} {p['user']} {change:+.0%}" for _, change, p in spreads)
    return title + _verdict(worst[0] <= LIST_SPREAD, details)


def reply_targets(results: dict[str, Any]) -> list[str]:
    replies = results["replies"]
    if not replies:
        return []
    worst = max(replies, key=lambda r: r["p50"])
    lines = [
        f"- Reply insert ≤ {REPLY_MS:.0f} ms p50: "
        + _verdict(
            worst["p50"] <= REPLY_MS,
            f"slowest {worst['p50']:.2f} ms ({worst['existing']:,} comments, reply to "
            f"{worst['parent']})",
        )
    ]
    for parent in ("post", "comment"):
        these = sorted((r for r in replies if r["parent"] == parent), key=lambda r: r["existing"])
        if len(these) < 2:
            continue
        first, last = these[0], these[-1]
        change = last["p50"] / first["p50"] - 1
        lines.append(
            f"- Reply insert flat (±{REPLY_SPREAD * 100:.0f}%) from {first['existing']:,} to "
            f"{last['existing']:,} comments, reply to the {parent}: "
            + _verdict(
                abs(change) <= REPLY_SPREAD,
                f"{first['p50']:.2f} → {last['p50']:.2f} ms ({change:+.0%})",
            )
        )
    most = max(replies, key=lambda r: r["queries"])
    lines.append(
        f"- Queries per reply ≤ {REPLY_QUERIES}: "
        + _verdict(most["queries"] <= REPLY_QUERIES, f"at most {most['queries']}")
    )
    return lines


def markdown(results: dict[str, Any], other: dict[str, Any] | None) -> str:
    m, sizes = results["machine"], results["sizes"]
    args = results["args"]
    phases = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in results["phases"].items())
    lines = [
        f"# Grassroots benchmark: profile `{results['profile']}`",
        "",
        f"- Date: {results['date']}",
        f"- Machine: {m['nproc']} CPUs ({m['cpu']}), load {m['load']:.2f} at the end; "
        f"PostgreSQL {m['postgresql']}; Python {m['python']}; Django {m['django']}",
        f"- Data: {sizes['members']:,} members, {sizes['posts']:,} posts, "
        f"{sizes['comments']:,} comments (seeded in {results['seeded_seconds']:.0f} s"
        f"{'; reused' if results['reused'] else ''})",
        f"- Settings: DEBUG off, persistent connections (CONN_MAX_AGE), cached_db sessions, "
        f"whitenoise; rate limits off. In process: Django's test client, {args['runs']} runs per "
        f"page. Over HTTP: gunicorn (gunicorn.conf.py) with {args['workers']} workers, wrk "
        f"-t{args['threads']} -c{args['connections']} -d{args['duration']}s."
        if not args["skip_http"]
        else f"- Settings: DEBUG off, persistent connections; in process only ({args['runs']} "
        "runs per page; --skip-http).",
        f"- Phases: {phases}",
        "",
        "## Ceiling (same run)",
        "",
        *ceiling_lines(results),
        "",
        "x ceiling: in-process p50 over the default-middleware view's in-process p50. "
        "% of ceiling: req/s over the default-middleware view's req/s.",
        "",
        "## Pages",
        "",
        *page_table(results),
        "",
    ]
    if results["branches"]:
        lines += ["Branch pages: " + "; ".join(f"{k}: {v}" for k, v in results["branches"].items())]
        lines.append("")
    lines += [
        "## Reply inserts",
        "",
        "forum.services.comment_create by a member who already follows the thread, each in a "
        "transaction rolled back (the thread keeps its size; the commit itself is not timed). "
        "Queries exclude transaction control (BEGIN, savepoints, ROLLBACK). A comment: the first "
        "reply in a tree of about 50 comments (the same tree size in every thread); in the "
        "biggest tree: the most lft/rght shifted. The targets take turns run by run.",
        "",
        *reply_table(results),
        "",
        "## Search (forum.search.search, in process)",
        "",
        *search_table(results),
        "",
        "## Targets (issue 12)",
        "",
        *targets(results, other),
        "",
    ]
    return "\n".join(lines)


def _key(name: str) -> str:
    """A page's name without the profile's sizes: "big thread (2,000)" -> "big thread"."""
    name = re.sub(r"\s*\(.*\)$", "", name)
    return re.sub(r"^index p(?!1$)\d+$", "index deep page", name)  # (its name until 2026-12-03)


def chart(out: Path, everything: list[dict[str, Any]]) -> Path | None:
    """Page p50 against data size (comments), one line per page, a point per profile."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    everything = sorted(everything, key=lambda r: r["sizes"]["comments"])
    figure, axes = plt.subplots(figsize=(12, 6.5))
    names = [(_key(p["name"]), p["user"]) for p in everything[-1]["pages"]]
    colours = plt.get_cmap("tab20")
    pages = list(dict.fromkeys(name for name, _ in names))
    for name, user in names:
        xs, ys = [], []
        for results in everything:
            for page in results["pages"]:
                if _key(page["name"]) == name and page["user"] == user:
                    xs.append(results["sizes"]["comments"])
                    ys.append(page["p50"])
        style = "-" if user == "anonymous" else "--"
        colour = colours(pages.index(name) % 20)
        axes.plot(xs, ys, style, marker="o", color=colour, label=f"{name} ({user})")
    for results in everything:
        axes.annotate(
            results["profile"],
            (results["sizes"]["comments"], 0),
            xycoords=("data", "axes fraction"),
            textcoords="offset points",
            xytext=(0, 4),
            ha="center",
        )
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("comments in the database")
    axes.set_ylabel("page p50, ms (in process)")
    axes.set_title("Grassroots: page time against data size (solid: anonymous, dashed: member)")
    axes.legend(fontsize="x-small", loc="upper left", bbox_to_anchor=(1.01, 1))
    axes.grid(True, which="both", alpha=0.3)
    figure.tight_layout()
    path = out / "pages.png"
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def write(out: Path, results: dict[str, Any]) -> str:
    everything = []
    for path in sorted(out.glob("results-*.json")):
        everything.append(json.loads(path.read_text()))
    pair = "large" if results["profile"] == "default" else "default"
    other = next((r for r in everything if r["profile"] == pair), None)
    text = markdown(results, other)
    png = chart(out, everything)
    if png is not None:
        text += f"\nChart: {png.relative_to(out.parent.parent)} (page p50 against data size, "
        text += "every profile measured so far).\n"
    (out / "report.md").write_text(text)
    return text
