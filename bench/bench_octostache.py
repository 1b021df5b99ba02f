"""Benchmark: render 1,000 varied expressions against 200 variables, cold and cached."""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from deployer.octostache import render
from deployer.octostache.parser import clear_caches

REPETITIONS = 5


def build_variables() -> dict[str, str]:
    variables: dict[str, str] = {}
    for n in range(150):
        variables[f"App.Setting{n}"] = f"value-{n}"
    for n in range(20):
        variables[f"Servers[s{n}].Host"] = f"host{n}.example.com"
        variables[f"Servers[s{n}].Port"] = str(8000 + n)
    variables["Config"] = '{"Name": "svc", "Ports": [80, 443], "Nested": {"Level": "deep"}}'
    variables["Environment"] = "Production"
    variables["Greeting"] = "Hello #{App.Setting1}"
    variables["Count"] = "12"
    variables["List"] = "a,b,c,d"
    while len(variables) < 200:
        variables[f"Extra.V{len(variables)}"] = "#{Environment | ToLower}"
    return variables


def build_templates() -> list[str]:
    shapes = [
        "plain text {n} with no tokens",
        "#{{App.Setting{m}}}-{n}",
        "#{{App.Setting{m} | ToUpper}} / #{{Missing{n}}}",
        "#{{Servers[s{k}].Host}}:#{{Servers[s{k}].Port}} ({n})",
        "#{{Config.Ports[1]}} #{{Config.Nested.Level}} {n}",
        '#{{if Environment == "Production"}}prod {n}#{{else}}other#{{/if}}',
        "#{{each s in Servers}}#{{s.Host}}#{{if Octopus.Template.Each.Last}}.#{{/if}}#{{/each}}{n}",
        "#{{calc {{Count}} * {n} + 1}}",
        "#{{Greeting}} number {n}",
        "#{{App.Setting{m} | Replace value v | Truncate 4}} {n}",
        "#{{each i in List}}[#{{i}}]#{{/each}} {n}",
        "#{{Extra.V{e} | ToUpper}} {n}",
    ]
    templates = []
    for n in range(1000):
        shape = shapes[n % len(shapes)]
        templates.append(shape.format(n=n, m=n % 150, k=n % 20, e=180 + n % 20))
    return templates


def time_pass(templates: list[str], variables: dict[str, str], cold: bool) -> float:
    if cold:
        clear_caches()
    start = time.perf_counter()
    for template in templates:
        render(template, variables)
    return time.perf_counter() - start


def main() -> None:
    variables = build_variables()
    templates = build_templates()
    cold_times, cached_times = [], []
    for _ in range(REPETITIONS):
        cold_times.append(time_pass(templates, variables, cold=True))
        cached_times.append(time_pass(templates, variables, cold=False))
    cold = statistics.median(cold_times)
    cached = statistics.median(cached_times)
    print(f"templates: {len(templates)}, variables: {len(variables)}, repetitions: {REPETITIONS}")
    print("cold   (s): " + ", ".join(f"{t:.4f}" for t in cold_times) + f"  median {cold:.4f}")
    print("cached (s): " + ", ".join(f"{t:.4f}" for t in cached_times) + f"  median {cached:.4f}")
    print(f"cached/cold ratio: {cached / cold:.3f}")


if __name__ == "__main__":
    main()
