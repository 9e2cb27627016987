"""Instructions per request of each CPU-only part of the full pipeline, two trees side by side.

    python bench/loop_parts_icount.py [--base main] [--n 50]

The example app is set up as ``gateway_ab.py`` does and opened in process; the gateway
bench's question and its mock answer (``harness.upstream.ANSWER``) are then put through what
the guard stages and the grounding check run on them: the validator (``knowledge.acheck``
on the retrieved passages), each guard of the input and of the output direction on its own,
and the engine's whole scan of each. Every part runs 50 times to warm the word caches, then
``--n`` times under callgrind (switched on around it by client requests), after the app's
lifespan (its threads stopped) and the injection prefilter's build, with the garbage
collector off: what runs or collects would otherwise land in one part's window or
another's. A part's figure is its instructions per call, the same on a busy machine.
``--base``'s ``src`` (exported by
``git archive``) runs first, this checkout's second.

What ``gateway_icount.py`` gives as one total per request, this splits into the parts that
a change to the guards or the validator moves; the guards get no exchange here (the
leakage guard's prompt overlap is left out).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from callgrind_client import helper_library, labelled_totals  # noqa: E402
from trees import export_src  # noqa: E402

INNER = """
import asyncio, ctypes, gc, os, shutil, sys, tempfile
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from gateway_ab import QUESTION, make_app
from harness.upstream import ANSWER
from stanchion.guards.prefilter import wait_shared
from stanchion.pipeline.stages.guard_output import mask_citations
from stanchion.server.app import create_app
from stanchion.settings import Settings

cg, n = ctypes.CDLL(sys.argv[2]), int(sys.argv[3])


async def run(folder):
    app = create_app(folder, Settings.from_env())
    async with app.router.lifespan_context(app):
        rt = app.state.runtime
        kn, engine = rt.knowledge, rt.guards
        passages = (await kn.plan([QUESTION], kn.spec.retrieval.k)).passages
    # Measured after the app's lifespan and the injection prefilter's build (a thread that
    # compiles for seconds under callgrind): a thread that runs would otherwise land inside
    # some part's window, and callgrind counts every thread.
    wait_shared()
    answer = mask_citations(ANSWER)

    async def validator():
        await kn.acheck(answer, passages, QUESTION)

    parts = {"validator": validator}
    for direction, text in (("input", QUESTION), ("output", ANSWER)):
        for guard in engine.guards.get(direction, []):
            async def one(guard=guard, text=text):
                guard.check(text, None)
            parts[f"{direction}:{guard.name}"] = one

        async def scan(direction=direction, text=text):
            engine.scan(text, direction, None)
        parts[f"{direction}:scan"] = scan
    for name, part in parts.items():
        for _ in range(50):
            await part()
        gc.collect()
        gc.disable()  # a collection lands in one part's window or another's: none does
        cg.cg_on()
        for _ in range(n):
            await part()
        cg.cg_off(f"{name} {n}".encode())
        gc.enable()


tmp = Path(tempfile.mkdtemp(prefix="stanchion-parts-"))
try:
    folder = tmp / "app"
    folder.mkdir()
    make_app(folder, dict(os.environ), 9)  # the model route is never called
    os.chdir(folder)
    asyncio.run(run(folder))
finally:
    shutil.rmtree(tmp, ignore_errors=True)
"""


def per_part(src: Path, helper: Path, n: int, out: Path) -> dict[str, float]:
    args = [str(ROOT / "bench"), str(helper), str(n)]
    return {
        label.rsplit(" ", 1)[0]: total / int(label.rsplit(" ", 1)[1])
        for label, total in labelled_totals(INNER, args, src, out)
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--base", default="main")
    ap.add_argument("--n", type=int, default=50)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="stanchion-parts-ic-") as name:
        tmp = Path(name)
        helper = helper_library(tmp)
        base = per_part(export_src(args.base, tmp / "base"), helper, args.n, tmp / "b.out")
        new = per_part(ROOT / "src", helper, args.n, tmp / "n.out")
    print(f"| part | base ({args.base}) | this checkout | ratio |")
    print("|---|---|---|---|")
    for part, before in base.items():
        after = new.get(part, 0.0)
        print(f"| {part} | {before / 1e3:.1f} K | {after / 1e3:.1f} K | {after / before:.3f} |")


if __name__ == "__main__":
    main()
