"""Targets, and the Markdown summary of a run."""

RATIO_LIMIT = 3.0
CHECK_OVERHEAD_LIMIT_MS = 20.0
DECRYPT_LIMIT_US = 100.0
RATIO_PAGES = {"list": "List page", "changelist": "Admin changelist"}


def evaluate(results: dict) -> list[dict]:
    """PASS/FAIL per target, from the numbers of this run only."""
    scenarios = results["scenarios"]
    largest = max((row["size"] for row in scenarios), default=0)
    targets = []
    for key, label in RATIO_PAGES.items():
        row = next((r for r in scenarios if r["scenario"] == key and r["size"] == largest), None)
        targets.append(
            {
                "target": f"{label} p95 <= {RATIO_LIMIT:g}x floor p95 at {largest:,} tokens",
                "value": f"{row['ratio_to_floor']:.2f}x" if row else "not measured",
                "pass": bool(row) and row["ratio_to_floor"] <= RATIO_LIMIT,
            }
        )
    errors = sum(row["errors"] for row in scenarios)
    failing = sorted({row["scenario"] for row in scenarios if row["errors"]})
    targets.append(
        {
            "target": "Zero errors in every scenario",
            "value": f"{errors} errors" + (f" ({', '.join(failing)})" if failing else ""),
            "pass": errors == 0 and bool(scenarios),
        }
    )
    counts = results["queries"]
    varying = [page for page, by_size in counts.items() if len(set(by_size.values())) > 1]
    targets.append(
        {
            "target": "Query count per page constant in the number of tokens",
            "value": "; ".join(
                f"{page}: " + "/".join(str(n) for n in by_size.values())
                for page, by_size in counts.items()
            ),
            "pass": not varying and bool(counts),
        }
    )
    overhead = results.get("check_overhead", {}).get("overhead_ms")
    targets.append(
        {
            "target": f"Check via the app <= {CHECK_OVERHEAD_LIMIT_MS:g} ms over the emulator",
            "value": f"{overhead:.1f} ms" if overhead is not None else "not measured",
            "pass": overhead is not None and overhead <= CHECK_OVERHEAD_LIMIT_MS,
        }
    )
    decrypt = results.get("decrypt", {}).get("median_us")  # absent if it failed
    targets.append(
        {
            "target": f"Decrypt <= {DECRYPT_LIMIT_US:g} µs per token",
            "value": f"{decrypt:.1f} µs" if decrypt is not None else "not measured",
            "pass": decrypt is not None and decrypt <= DECRYPT_LIMIT_US,
        }
    )
    return targets


def ms(value: float) -> str:
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def markdown(results: dict) -> str:
    machine, server, load = results["machine"], results["server"], results["load"]
    lines = [
        f"# wberp benchmark, {results['started_at']}",
        "",
        f"Machine: {machine['cpu_model']}, {machine['cores']} cores, "
        f"{machine['ram_gib']} GiB RAM, Linux {machine['kernel']}; load average "
        f"{machine['load_average_start']} at the start, {machine['load_average_end']} at the end.",
        f"Software: Python {machine['python']}, Django {machine['django']}, "
        f"gunicorn {machine['gunicorn']}, psycopg {machine['psycopg']}, {machine['postgresql']}.",
        f"Server: `{server['command']}`, {server['workers']} workers x {server['threads']} "
        f"threads ({server['worker_class']}), DEBUG off, PostgreSQL over loopback.",
        f"Load: {load['tool']}, {load['connections']} connections (unless marked c=1), "
        f"{load['threads']} threads, keep-alive, loopback; each scenario {load['duration_s']:g} s "
        f"after a {load['warmup_s']:g} s warm-up, measured in {load['slice_s']:g}-second turns "
        "taken in rotation with the other scenarios of its group.",
        "",
        "Latencies in ms. *Ratio* is the page's p95 over the p95 of the floor (`/whoami`) "
        "measured in the same group, turn for turn; numbers from different runs are not "
        "comparable.",
        "",
        "| scenario | page | tokens | p50 | p95 | p99 | req/s | errors | ratio to floor "
        "| queries |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in results["scenarios"]:
        ratio = f"{row['ratio_to_floor']:.2f}x" if row.get("ratio_to_floor") else "—"
        queries = row.get("queries")
        size = f"{row['size']:,}" if row["size"] else "—"
        lines.append(
            f"| {row['scenario']} | `{row['page']}` | {size} | {ms(row['p50_ms'])} "
            f"| {ms(row['p95_ms'])} | {ms(row['p99_ms'])} | {row['rps']:.0f} "
            f"| {row['errors']} | {ratio} "
            f"| {queries if queries is not None else '—'} |"
        )
    server_time = results.get("server_time")
    if server_time:
        sizes = list(next(iter(server_time.values())))
        lines += [
            "",
            "Server time per page in-process (Django test client, no HTTP), median / minimum "
            "of 30, pages in turn: how each page's own cost grows with the table.",
            "",
            "| page | " + " | ".join(f"{int(size):,} tokens" for size in sizes) + " |",
            "|---|" + "---:|" * len(sizes),
        ]
        for name, by_size in server_time.items():
            cells = [
                f"{ms(by_size[size]['median_ms'])} / {ms(by_size[size]['min_ms'])}"
                for size in sizes
            ]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    overhead = results.get("check_overhead", {})
    decrypt = results.get("decrypt", {})
    lines += ["", "## Other measurements", ""]
    if decrypt.get("median_us") is not None:
        lines.append(
            "- Decrypt one stored token (`get_cipher().decrypt`): "
            f"median {decrypt['median_us']} µs per call "
            f"(min {decrypt['min_us']}, max {decrypt['max_us']}; "
            f"{decrypt['calls']:,} calls, in-process)."
        )
    if overhead:
        lines.append(
            f"- Check overhead: {overhead['overhead_ms']:.1f} ms = median of a check through the "
            f"app ({ms(overhead['app_p50_ms'])} ms) − medians of the emulator's own ping "
            f"({ms(overhead['ping_p50_ms'])} ms) and seller-info "
            f"({ms(overhead['seller_info_p50_ms'])} ms), each measured directly with wrk at "
            "1 connection."
        )
    in_process = results.get("check_in_process")
    if in_process and "app_p50_ms" in in_process:
        lines.append(
            f"- The same check in-process (Django test client, no gunicorn or wrk), alternating "
            f"with direct calls: {ms(in_process['app_p50_ms'])} ms against "
            f"{ms(in_process['emulator_p50_ms'])} ms, overhead {in_process['overhead_ms']:.1f} ms, "
            f"{in_process['queries']} queries per check (median of {in_process['checks']})."
        )
    lines += cost_breakdown(results)
    lines += growth_with_the_table(results)
    for key, label in RATIO_PAGES.items():
        ratios = [
            f"{row['ratio_to_floor']:.2f}x at {row['size']:,}"
            for row in results["scenarios"]
            if row["scenario"] == key and row.get("ratio_to_floor")
        ]
        if len(ratios) > 1:
            lines.append(f"- {label} p95 over the floor by table size: {', '.join(ratios)}.")
    for key in ("check_in_process", "decrypt"):
        if "error" in results.get(key, {}):
            lines.append(f"- `{key}` could not be measured: {results[key]['error']}")
    checks = results.get("checks_recorded")
    if checks:
        lines.append(
            "- Checks recorded by the app during the check scenarios: "
            + ", ".join(f"{outcome}: {count}" for outcome, count in checks.items())
            + "."
        )
    rss = results.get("rss", {})
    if rss.get("workers"):
        peaks = ", ".join(f"{w['vmhwm_kib'] / 1024:.0f}" for w in rss["workers"])
        lines.append(
            f"- Peak RSS (VmHWM) per gunicorn worker after the run: {peaks} MiB "
            f"(master {rss['master']['vmhwm_kib'] / 1024:.0f} MiB)."
        )
    lines += ["", "## Targets", "", "| target | value | result |", "|---|---|---|"]
    for target in results["targets"]:
        verdict = "PASS" if target["pass"] else "**FAIL**"
        lines.append(f"| {target['target']} | {target['value']} | {verdict} |")
    if results.get("notes"):
        lines += ["", "## Notes", ""] + [f"- {note}" for note in results["notes"]]
    return "\n".join(lines) + "\n"


def cost_breakdown(results: dict) -> list[str]:
    """Where a page's server time goes: the layout every page has, and each row it shows.

    From the in-process medians. A page's cost per row is the difference between its time
    at the smallest and at the largest table size over the difference in rows it shows:
    with the tally, the size of the table itself no longer adds to either.
    """
    times, shown = results.get("server_time", {}), results.get("rows_shown", {})
    if "floor" not in times or len(times["floor"]) < 2:
        return []
    sizes = list(times["floor"])
    small, large = sizes[0], sizes[-1]

    def median(name: str, size: str) -> float:
        return times[name][size]["median_ms"]

    floor = median("floor", large)
    lines = []
    references = {
        "layout": "the site's layout around one small form (`/accounts/password/`)",
        "admin index": "the admin's index",
    }
    for name, label in references.items():
        if name in times:
            lines.append(
                f"- In-process at {int(large):,} tokens, {label} takes "
                f"{ms(median(name, large))} ms: {median(name, large) / floor:.1f}x the floor's "
                f"{ms(floor)} ms."
            )
    cold = "list, rows not cached"
    if cold in times and "list" in times:
        lines.append(
            f"- The list serves rows it has rendered before from the fragment cache: at "
            f"{int(large):,} tokens it takes {ms(median('list', large))} ms so, and "
            f"{ms(median(cold, large))} ms ({median(cold, large) / floor:.1f}x the floor) with "
            "every row rendered anew, as on a first view."
        )
    for name, per_page in shown.items():
        rows = {size: min(int(size), per_page) for size in (small, large)}
        if name in times and rows[large] > rows[small]:
            per_row = (median(name, large) - median(name, small)) / (rows[large] - rows[small])
            without_rows = median(name, large) - per_row * rows[large]
            lines.append(
                f"- {RATIO_PAGES[name]}: {per_row:.2f} ms per row shown, in-process "
                f"({rows[small]} rows at {int(small):,} tokens, {rows[large]} at {int(large):,}); "
                f"its {rows[large]} rows alone take {per_row * rows[large] / floor:.1f}x the "
                f"floor, and the page without any row would still take {ms(without_rows)} ms "
                f"({without_rows / floor:.1f}x)."
            )
    return lines


def growth_with_the_table(results: dict) -> list[str]:
    """Each page's ratio to the floor at the largest size over the same at the size before:
    both show a full page, so what differs is the table alone."""
    times = results.get("server_time", {})
    lines = []
    for key, label in RATIO_PAGES.items():
        rows = [r for r in results["scenarios"] if r["scenario"] == key and r.get("ratio_to_floor")]
        if len(rows) < 3:  # the smallest size shows fewer rows than a full page
            continue
        before, last = rows[-2], rows[-1]
        growth = last["ratio_to_floor"] / before["ratio_to_floor"]
        line = (
            f"- {label}, growth with the table: its ratio to the floor at {last['size']:,} "
            f"tokens is {growth:.2f}x the one at {before['size']:,}"
        )
        if key in times:
            in_process = times[key][str(last["size"])]["median_ms"]
            in_process /= times[key][str(before["size"])]["median_ms"]
            line += f" (server time in-process: {in_process:.2f}x)"
        lines.append(line + ".")
    return lines
