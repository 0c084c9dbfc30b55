"""BENCHMARKS.md and its plot from the figures of every desk size."""

from __future__ import annotations

import platform
from datetime import UTC, datetime
from pathlib import Path


def _ratio(top: float, bottom: float) -> str:
    return f"{top / bottom:.1f}x" if bottom else "—"


def write_results(results: dict[int, dict], path: Path) -> None:
    sizes = sorted(results)
    largest, smallest = sizes[-1], sizes[0]
    by_name = {size: {page["name"]: page for page in results[size]["pages"]} for size in sizes}
    lines = [
        "# Benchmarks",
        "",
        f"Written by `make bench` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC ({platform.machine()}, "
        f"{_cpus()} cores, PostgreSQL, in-process client, uncached). Sizes: "
        + ", ".join(f"{size:,} tickets" for size in sizes)
        + ". Each page is requested after one warm-up; p50 and p95 are over the runs. **sql** is the"
        " page's own statements run again on the same connection; **prepared** the same as prepared"
        " statements (planned once). **vs prepared** is p50 over prepared; **growth** is p50 at the largest"
        " size over p50 at the smallest.",
        "",
        "| page | tickets | p50 ms | p95 ms | target | queries | sql ms | prepared ms | vs prepared | growth |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in by_name[largest]:
        for size in sizes:
            page = by_name[size].get(name)
            if page is None:
                continue
            growth = ""
            if size == largest and name in by_name[smallest] and largest != smallest:
                growth = _ratio(page["p50_ms"], by_name[smallest][name]["p50_ms"])
            target = f"{page['target_ms']:g}" if page["target_ms"] else ""
            lines.append(
                f"| {name} | {size:,} | {page['p50_ms']:.1f} | {page['p95_ms']:.1f} | {target} | {page['queries']} "
                f"| {page['sql_ms']:.1f} | {page['prepared_ms']:.1f} | {_ratio(page['p50_ms'], page['prepared_ms'])} "
                f"| {growth} |"
            )
    extra = [result.get("extra") for result in results.values() if result.get("extra")]
    for figures in extra:
        lines += ["", *figures]
    plot = _plot(results, path.with_suffix(".png"))
    if plot:
        lines += ["", f"![p50 against desk size]({plot.name})"]
    others = [
        f"[{name}]({name}) ({what})"
        for name, what in (
            ("BENCHMARKS-compare.md", "`make bench-compare`: beside django-helpdesk on the same tickets"),
            ("BENCHMARKS-load.md", "`make bench-load`: requests per second and p99 under a mixed load"),
        )
        if (path.parent / name).exists()
    ]
    if others:
        lines += ["", "Also: " + "; ".join(others) + ". The CSV export and the SLA sweep are measured by"
                  " `python -m bench csv` and `python -m bench sweep` (README, *Benchmark*)."]  # fmt: skip
    path.write_text("\n".join(lines) + "\n")


def _cpus() -> int:
    import os

    return os.cpu_count() or 0


def _plot(results: dict[int, dict], path: Path) -> Path | None:
    """p50 against desk size, one line per page (log-log); None when matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    sizes = sorted(results)
    figure, axes = plt.subplots(figsize=(10, 6))
    names = [page["name"] for page in results[sizes[-1]]["pages"]]
    for name in names:
        points = [(size, page["p50_ms"]) for size in sizes for page in results[size]["pages"] if page["name"] == name]
        axes.plot([x for x, _ in points], [y for _, y in points], marker="o", label=name)
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("tickets")
    axes.set_ylabel("p50 (ms)")
    axes.legend(fontsize=7, ncol=2)
    axes.grid(True, which="both", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path
