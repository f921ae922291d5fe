"""A server's /metrics (Prometheus text exposition format): its samples, read by name and labels."""

from __future__ import annotations

import re
import urllib.request

# name{labels} value: the labels' values hold no '"' in the series the benchmarks read.
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})?\s+(\S+)')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"')

Samples = list[tuple[str, dict[str, str], float]]


def parse(text: str) -> Samples:
    """Every sample of an exposition: (metric name, labels, value); comments and blank lines skipped."""
    samples: Samples = []
    for line in text.splitlines():
        match = SAMPLE.match(line)
        if match is None or line.startswith("#"):
            continue
        name, labels, value = match.groups()
        samples.append((name, dict(LABEL.findall(labels or "")), float(value)))
    return samples


def scrape(url: str, timeout: float = 30) -> Samples:
    """The samples ``url`` (a /metrics endpoint) serves now."""
    with urllib.request.urlopen(url, timeout=timeout) as answer:
        return parse(answer.read().decode())


def value(samples: Samples, name: str, **labels: str) -> float:
    """Sum of the samples named ``name`` whose labels include ``labels``; 0 when there is none."""
    return sum(v for n, found, v in samples if n == name and labels.items() <= found.items())
