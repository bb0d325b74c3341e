#!/usr/bin/env python3
"""Zopilot's engine beside onnxruntime-genai on the same model folder, in the same run.

    python3 models/bench/genai_compare.py --model ../shared/reference/smollm2-135m-instruct/onnx-int4

Creates (once) a virtual environment with the pinned wheels below from PyPI, re-runs itself in
it, then takes turns, round after round: `zopilot bench engine --rounds 1 --json …` (a
subprocess) and onnxruntime-genai in this process over the *same prompt ids* (read from
zopilot's JSON), the same number of greedy decode steps (end-of-text suppressed with
`min_length`), the same ONNX Runtime library (the wheel's, unless ZOPILOT_ORT_LIBRARY is set) and
the same number of intra-op threads. Prints the medians and the ratios zopilot / genai.

Measured per prompt length: prefill tokens/s of the whole prompt (zopilot: as a request without a
cacheable prefix; "split": the same prompt as prefix + rest, how zopilot prefills a prompt whose
prefix may be cached, and the warm time to first token with that prefix cached — genai has no
prefix cache across requests) and decode tokens/s after the prompt — zopilot
one forward pass per token (what genai does) and with its prompt lookup drafts ("+lookup": the
same greedy tokens up to float near-ties, fewer passes; the prompt is repetitive invoice lines,
so this is an upper end). Figures
go to stdout and, with --json, to a file.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

PINS = ["onnxruntime==1.31.1", "onnxruntime-genai==0.18.0"]
REPO = Path(__file__).resolve().parents[2]
VENV = Path(os.environ.get("ZOPILOT_GENAI_VENV", Path.home() / ".cache/zopilot/genai-venv"))


def ensure_venv():
    """Re-execute inside the venv holding PINS (created on first use)."""
    if Path(sys.prefix).resolve() == VENV.resolve():
        return
    py = VENV / "bin" / "python"
    stamp = VENV / "pins.txt"
    if not py.exists() or not stamp.exists() or stamp.read_text() != "\n".join(PINS):
        print(f"creating {VENV} with {' '.join(PINS)} …", file=sys.stderr)
        venv.create(VENV, with_pip=True, clear=True)
        subprocess.check_call([str(py), "-m", "pip", "install", "-q", *PINS])
        stamp.write_text("\n".join(PINS))
    os.execv(str(py), [str(py), *sys.argv])


def ort_library():
    """The ONNX Runtime shared library both engines use."""
    if os.environ.get("ZOPILOT_ORT_LIBRARY"):
        return os.environ["ZOPILOT_ORT_LIBRARY"]
    import onnxruntime

    capi = Path(onnxruntime.__file__).parent / "capi"
    libs = sorted(capi.glob("libonnxruntime.so*"))
    if not libs:
        sys.exit(f"no libonnxruntime.so in {capi}")
    return str(libs[-1])


def run_zopilot(args, out_json):
    env = dict(os.environ)
    env["ZOPILOT_ORT_LIBRARY"] = ort_library()
    env["ZOPILOT_INTRA_THREADS"] = str(args.threads)
    env.setdefault("ZOPILOT_LOG", "warn")
    cmd = [
        args.zopilot, "bench", "engine", "--model", args.model,
        "--context", ",".join(map(str, args.context)), "--rest", str(args.rest),
        "--decode", str(args.decode), "--rounds", "1", "--no-scoring", "--json", out_json,
    ]
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    return json.load(open(out_json))["contexts"]


def genai_model(args):
    import onnxruntime_genai as og

    cfg = og.Config(args.model)
    cfg.overlay(json.dumps({"model": {"decoder": {"session_options": {
        "intra_op_num_threads": args.threads, "inter_op_num_threads": 1}}}}))
    return og, og.Model(cfg)


def run_genai(og, model, ids, decode):
    """(time to first token s, decode tokens/s) for prompt `ids` then `decode` greedy steps."""
    params = og.GeneratorParams(model)
    total = len(ids) + decode + 1
    params.set_search_options(max_length=total, min_length=total, do_sample=False)
    gen = og.Generator(model, params)
    t0 = time.perf_counter()
    gen.append_tokens(ids)  # prefill: runs the decoder over the prompt, logits ready
    ttft = time.perf_counter() - t0
    gen.generate_next_token()  # samples the first token from the prefill's logits
    t1 = time.perf_counter()
    for _ in range(decode):  # each: one decoder step over the previous token, then sampling
        gen.generate_next_token()
    return ttft, decode / (time.perf_counter() - t1)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="model folder (genai layout)")
    ap.add_argument("--zopilot", default=str(REPO / "target/release/zopilot"))
    ap.add_argument("--context", default="512,2048,6000")
    ap.add_argument("--rest", type=int, default=600)
    ap.add_argument("--decode", type=int, default=64)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=int(os.environ.get("ZOPILOT_INTRA_THREADS", "2")))
    ap.add_argument("--json", help="write the medians here")
    args = ap.parse_args()
    args.context = [int(c) for c in args.context.split(",")]
    args.model = str(Path(args.model).resolve())
    ensure_venv()

    og, model = genai_model(args)
    ours = {c: {"prefill": [], "ttft": [], "warm": [], "decode": [], "lookup": []} for c in args.context}
    theirs = {c: {"ttft": [], "decode": []} for c in args.context}
    ids = None
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "engine.json")
        for r in range(args.rounds):
            def zop():
                nonlocal ids
                for row in run_zopilot(args, out):
                    o = ours[row["context"]]
                    o["prefill"].append(row["prefill_tps"])
                    o["ttft"].append(row["cold_ttft_s"])
                    o["warm"].append(row["warm_ttft_s"])
                    o["decode"].append(row["decode_tps"])
                    o["lookup"].append(row["lookup_decode_tps"])
                    ids = ids or {}
                    ids[row["context"]] = row["prompt_ids"]

            def gen():
                for c in args.context:
                    t, d = run_genai(og, model, ids[c], args.decode)
                    theirs[c]["ttft"].append(t)
                    theirs[c]["decode"].append(d)

            # The ids come from zopilot's first run; after that the order alternates.
            order = [zop, gen] if r % 2 == 0 or ids is None else [gen, zop]
            for f in order:
                f()
            print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)

    med = statistics.median
    rows = []
    print(f"model: {args.model}\n{args.rounds} alternating rounds, {args.decode} greedy decode tokens, "
          f"{args.threads} threads, ONNX Runtime {ort_library()}")
    print(f"{'context':>8} | {'prefill t/s zop':>15} {'genai':>8} {'ratio':>6} | {'decode t/s zop':>14} "
          f"{'genai':>8} {'ratio':>6} | {'+lookup':>8} {'ratio':>6} | {'split t/s':>9} {'warm TTFT s':>11} {'vs cold':>7}")
    for c in args.context:
        o, t = ours[c], theirs[c]
        row = {
            "context": c,
            "zopilot_prefill_tps": med(o["prefill"]),
            # The prompt prefilled as prefix + rest (how a request with a cacheable prefix runs).
            "zopilot_split_prefill_tps": c / med(o["ttft"]),
            "genai_prefill_tps": c / med(t["ttft"]),
            "zopilot_decode_tps": med(o["decode"]),
            "zopilot_lookup_decode_tps": med(o["lookup"]),
            "genai_decode_tps": med(t["decode"]),
            "zopilot_warm_ttft_s": med(o["warm"]),
            "zopilot_cold_ttft_s": med(o["ttft"]),
        }
        row["prefill_ratio"] = row["zopilot_prefill_tps"] / row["genai_prefill_tps"]
        row["decode_ratio"] = row["zopilot_decode_tps"] / row["genai_decode_tps"]
        row["lookup_decode_ratio"] = row["zopilot_lookup_decode_tps"] / row["genai_decode_tps"]
        rows.append(row)
        print(f"{c:>8} | {row['zopilot_prefill_tps']:>15.1f} {row['genai_prefill_tps']:>8.1f} "
              f"{row['prefill_ratio']:>6.2f} | {row['zopilot_decode_tps']:>14.1f} {row['genai_decode_tps']:>8.1f} "
              f"{row['decode_ratio']:>6.2f} | {row['zopilot_lookup_decode_tps']:>8.1f} {row['lookup_decode_ratio']:>6.2f} | "
              f"{row['zopilot_split_prefill_tps']:>9.1f} {row['zopilot_warm_ttft_s']:>11.3f} "
              f"{row['zopilot_cold_ttft_s'] / row['zopilot_warm_ttft_s']:>6.2f}×")
    first, last = rows[0], rows[-1]
    print(f"decode at {last['context']} / decode at {first['context']}: zopilot "
          f"{last['zopilot_decode_tps'] / first['zopilot_decode_tps']:.2f}, genai "
          f"{last['genai_decode_tps'] / first['genai_decode_tps']:.2f}")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
