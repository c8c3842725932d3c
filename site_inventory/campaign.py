"""Per-site stages of a province-wide campaign on Dask distributed: one task per site.

``crawl`` and ``extract`` hand each site (sites sharing a host go together, since politeness is
per host) to a task on a Dask cluster: a ``LocalCluster`` of ``workers`` processes on this
machine, or the scheduler at ``scheduler`` whose workers see the same workspace path (on this
machine: the one workspace.db is in WAL mode, which needs shared memory, so not over NFS).
A task opens the workspace itself and runs the stage for its sites in-process, so it is as
idempotent and resumable as the stage: a task of a killed worker is run again by Dask and picks
up where the stage's tables say. The task key is the stage, the workspace and the site, so the
cluster never runs two tasks for one site at once, even for two clients. Without either option
the stages run in this process, as they always did.
"""
from __future__ import annotations

import hashlib
import json
import logging
import sys
from contextlib import contextmanager
from typing import Callable
from urllib.parse import urlsplit

RETRIES = 2  # a task that raised is tried this many more times (a killed worker's task is re-run by Dask)


def site_groups(workspace, codes: list[str]) -> list[list[str]]:
    """The sites in groups that share no host with another group (URL host and aliases), in order."""
    hosts: dict[str, set[str]] = {}
    for code, url, aliases in workspace.db.execute("SELECT site_code, url, aliases FROM sites"):
        names = {(urlsplit(url).hostname or "").lower()}
        try:
            names |= {str(a).lower() for a in json.loads(aliases or "[]")}
        except ValueError:
            pass
        hosts[code] = names - {""}
    groups: list[tuple[set[str], list[str]]] = []
    for code in codes:
        names = set(hosts.get(code, ()))
        joined = [g for g in groups if g[0] & names]
        merged = (names.union(*(g[0] for g in joined)), [c for g in joined for c in g[1]] + [code])
        groups = [g for g in groups if not any(g is j for j in joined)] + [merged]
    return [sorted(g[1], key=codes.index) for g in groups]


@contextmanager
def dask_client(workers: int | None = None, scheduler: str | None = None):
    """A Dask client: of the cluster at ``scheduler``, or of a LocalCluster of ``workers`` processes
    (one thread each, on 127.0.0.1) that ends with the block. The scheduler's HTTP server, which
    Dask starts even without a dashboard, listens on an ephemeral loopback port: never on every
    interface, never clashing on 8787 with another campaign."""
    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    with LocalCluster(n_workers=workers or 1, processes=True, threads_per_worker=1, host="127.0.0.1",
                      dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        yield client


def task_key(stage: str, workspace_path, group: list[str]) -> str:
    """One key per stage, workspace and site: Dask runs a key once at a time."""
    where = hashlib.sha1(str(workspace_path).encode("utf-8")).hexdigest()[:10]
    names = "+".join(group)
    if len(names) > 120:  # a group of many hosts (link check): its first name and a digest of all
        names = f"{group[0]}+{len(group) - 1}-{hashlib.sha1(names.encode('utf-8')).hexdigest()[:12]}"
    return f"{stage}-{where}-{names}"


def run_per_site(stage: str, task: Callable, workspace, groups: list[list[str]], options: dict,
                 workers: int | None = None, scheduler: str | None = None, progress: bool = False,
                 pages: Callable | None = None, unit: str = "site") -> list:
    """``task(workspace_path, group, options)`` for every group on the cluster; the results in the
    order they finished. A tqdm bar counts the groups' names done (sites, or hosts: ``unit``), and
    pages done when ``pages(result)`` counts them."""
    from distributed import as_completed

    path = str(workspace.path)
    bar = _bar(stage, sum(map(len, groups)), progress, unit)
    results, done = [], 0
    try:
        with dask_client(workers, scheduler) as client:
            futures = {client.submit(task, path, group, options, key=task_key(stage, path, group),
                                     retries=RETRIES, pure=False): group for group in groups}
            for future in as_completed(futures):
                results.append(future.result())
                if bar and pages:
                    done += pages(results[-1])
                    bar.set_postfix_str(f"{done:,} pages", refresh=False)
                if bar:
                    bar.update(len(futures[future]))
    finally:
        if bar:
            bar.close()
    return results


def _bar(stage: str, total: int, enabled: bool, unit: str):
    if not enabled or not total:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit=unit, desc=f"{stage} ({unit}s)", file=sys.stderr)
