"""`make bench`: every benchmark, peers timed in the same process, ratios printed as a Markdown table."""

from __future__ import annotations

import datetime

import bench_scalar
import bench_tensor
from common import machine

if __name__ == "__main__":
    print(f"# errorflow benchmarks — {datetime.date.today()} — {machine()}")
    bench_scalar.main()
    bench_tensor.main()
