"""Training-step time and peak memory: this project's step vs the original PyTorch step.

    .venv/bin/python benchmarks/bench_train_step.py                 # CPU, reduced configs
    .venv/bin/python benchmarks/bench_train_step.py --gpu           # NVIDIA GPU: 256², batch 1, fp32 + mixed

Each measurement runs in its own subprocess (fresh allocator, its own peak-memory reading), and
the rounds alternate frameworks so that machine noise hits both alike; the reported step time is
the fastest timed step of the best round (other load on a shared machine only adds time), with
the median beside it; ratios use the fastest. One step = one D update + one G update with
every loss term of the original, the Face-ID term included (a random-weight full-size
MobileFaceNet: the cost does not depend on the weights).

The PyTorch side is the original's step: `tests/reference/torch_train_reference.UGATITReference`
(the independent reference of the trainer), with the Face-ID term of
`tests/reference/mobilefacenet_reference.py`. Like the original, it does not detach the fakes in the
D step (the D loss back-propagates through both generators, whose gradients are then zeroed); it uses
`torch.optim.Adam(betas=(0.5, 0.999), weight_decay=1e-4)` and clips rho / w after the G step.
Without torch the script says so and times this project's step only.

Memory: on CPU, the process' peak resident set (`ru_maxrss`, which includes tracing and graph
optimisation during the first step), the resident set after the timed steps (steady state) and,
for this project, the peak of TensorFlow's tensor allocator (`get_memory_info("CPU:0")`: weights,
optimizer state and the step's live tensors, without the graph), for PyTorch the resident set's
growth from the first step on (its tensors, as malloc maps and unmaps them, plus its kernels'
first-use allocations, which dominate at the small sizes); on GPU,
`tf.config.experimental.get_memory_info` and `torch.cuda.max_memory_allocated` peaks.

The GPU memory goal (256², batch 1, mixed precision, within 6 GB) is also checked on CPU: the
same step at that size, fp32 and mixed, reporting the allocator's peak after the first step and
over the next steps. It is a proxy (a GPU adds the CUDA context and cuDNN workspaces, and its
graph optimiser orders kernels differently); `--gpu` measures the real thing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REFERENCE = os.path.join(ROOT, "tests", "reference")

# (name, ngf, ndf, img_size, n_layers_global): CPU configs are reduced; 64 px needs a 6-layer global D.
CPU_CONFIGS = [("ngf8-64px", 8, 8, 64, 6), ("ngf16-128px", 16, 16, 128, 7)]
GPU_CONFIGS = [("ngf32-256px", 32, 32, 256, 7)]
GPU_MEMORY_GOAL_MB = 6 * 1024


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ----------------------------------------------------------------------------------- workers


def _time_steps(step, warmup, steps, sync=lambda: None):
    for _ in range(warmup):
        step()
    sync()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        sync()
        times.append(time.perf_counter() - start)
    return times


def worker_tf(args) -> dict:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import numpy as np
    import tensorflow as tf

    sys.path.insert(0, ROOT)
    if not args.gpu:
        tf.config.set_visible_devices([], "GPU")
    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    if args.gpu:
        for gpu in tf.config.list_physical_devices("GPU"):
            tf.config.experimental.set_memory_growth(gpu, True)
    import keras

    if args.mixed:
        keras.mixed_precision.set_global_policy("mixed_float16")
    from tf_p2c.config import ModelConfig
    from tf_p2c.models.mobilefacenet import build_mobilefacenet
    from tf_p2c.training.config import TrainConfig
    from tf_p2c.training.face_id import FaceIdLoss
    from tf_p2c.training.trainer import UGATIT

    model = ModelConfig(ngf=args.ngf, ndf=args.ndf, img_size=args.img_size, n_layers_global=args.n_global)
    config = TrainConfig(model=model, batch_size=args.batch, mixed_precision=args.mixed, jit=args.jit,
                         iteration=1000, tensorboard=False, progress=False)
    keras.utils.set_random_seed(0)
    trainer = UGATIT(config, face_id=FaceIdLoss(model=build_mobilefacenet()))
    rng = np.random.default_rng(0)
    shape = (args.batch, args.img_size, args.img_size, 3)
    real_a = tf.constant(rng.uniform(-1, 1, shape).astype("float32"))
    real_b = tf.constant(rng.uniform(-1, 1, shape).astype("float32"))
    rss_before = _rss_mb()
    start = time.perf_counter()
    out = trainer.train_step(real_a, real_b)
    float(out["G_loss"])
    first = time.perf_counter() - start
    device = "GPU:0" if args.gpu else "CPU:0"
    first_peak = tf.config.experimental.get_memory_info(device)["peak"] / 2**20
    tf.config.experimental.reset_memory_stats(device)

    def step():
        out = trainer.train_step(real_a, real_b)
        float(out["G_loss"])  # waits for the step to finish

    times = _time_steps(step, args.warmup, args.steps)
    result = {"first_step_s": first, "times": times, "peak_rss_mb": _peak_rss_mb(), "rss_before_mb": rss_before,
              "rss_end_mb": _rss_mb(), "g_loss": float(out["G_loss"]),
              "tensor_peak_first_mb": first_peak,
              "tensor_peak_mb": tf.config.experimental.get_memory_info(device)["peak"] / 2**20}
    if args.gpu:
        result["gpu_peak_mb"] = max(first_peak, result["tensor_peak_mb"])
        result["device_name"] = tf.config.experimental.get_device_details(tf.config.list_physical_devices("GPU")[0]).get("device_name")
    return result


def _torch_step_factory(args, torch):
    """(step, source) of the original's training step on the reference networks."""
    sys.path.insert(0, REFERENCE)
    from mobilefacenet_reference import MobileFaceNet, face_crop

    device = args.torch_device
    facenet = MobileFaceNet(512).to(device).eval()
    for p in facenet.parameters():
        p.requires_grad_(False)

    def cos_distance(a, b):
        return torch.mean(1 - torch.cosine_similarity(facenet(face_crop(a.float())), facenet(face_crop(b.float()))))

    gen_g = torch.Generator().manual_seed(0)
    shape = (args.batch, 3, args.img_size, args.img_size)
    real_a = (torch.rand(shape, generator=gen_g) * 2 - 1).to(device)
    real_b = (torch.rand(shape, generator=gen_g) * 2 - 1).to(device)
    amp = torch.autocast("cuda", dtype=torch.float16, enabled=bool(args.mixed and device == "cuda"))
    from torch_train_reference import UGATITReference  # the original's step, as the trainer's tests use it

    ref = UGATITReference(args.ngf, args.img_size, True, args.ndf, args.n_global, 5,
                          {"adv": 1.0, "cycle": 50.0, "identity": 10.0, "cam": 1000.0, "faceid": 1.0},
                          iteration=10**6, face_id=cos_distance)
    for net in ref.networks().values():
        net.to(device)  # in place: the optimizers keep the same parameter objects
    counter = [0]

    def ref_step():
        counter[0] += 1
        with amp:
            return ref.step(real_a, real_b, counter[0])["G_loss"]

    return ref_step, "tests/reference/torch_train_reference.py"


def worker_torch(args) -> dict:
    import torch

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    args.torch_device = "cuda" if args.gpu else "cpu"
    step, source = _torch_step_factory(args, torch)
    sync = torch.cuda.synchronize if args.gpu else (lambda: None)
    rss_before = _rss_mb()
    start = time.perf_counter()
    loss = step()
    sync()
    first = time.perf_counter() - start
    times = _time_steps(step, args.warmup, args.steps, sync)
    result = {"first_step_s": first, "times": times, "peak_rss_mb": _peak_rss_mb(), "rss_before_mb": rss_before,
              "rss_end_mb": _rss_mb(), "g_loss": float(loss), "torch": torch.__version__, "source": source}
    if args.gpu:
        result["gpu_peak_mb"] = torch.cuda.max_memory_allocated() / 2**20
    return result


# ----------------------------------------------------------------------------------- driver


def _run_worker(framework, config, args, mixed=False, jit=False) -> dict | None:
    name, ngf, ndf, img, n_global = config
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", framework, "--ngf", str(ngf), "--ndf", str(ndf),
           "--img-size", str(img), "--n-global", str(n_global), "--batch", str(args.batch), "--steps", str(args.steps),
           "--warmup", str(args.warmup), "--threads", str(args.threads)]
    cmd += ["--gpu"] if args.gpu else []
    cmd += ["--mixed"] if mixed else []
    cmd += ["--jit"] if jit else []
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=ROOT)
    label = f"[{framework} {name}{' mixed' if mixed else ''}{' xla' if jit else ''}]"
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=args.worker_timeout, check=False)
    except subprocess.TimeoutExpired:
        print(f"  {label} gave no result within --worker-timeout {args.worker_timeout} s", flush=True)
        return None
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        noise = ("I0000", "W0000", "E0000", "WARNING: All log", "To enable")
        tail = [l for l in (proc.stderr + proc.stdout).strip().splitlines() if not l.startswith(noise)][-3:]
        print(f"  {label} failed (exit {proc.returncode}): {' | '.join(tail)}", flush=True)
        return None
    return json.loads(lines[-1][len("RESULT "):])


def _summary(result):
    # The fastest step: on a shared machine other load only ever adds time, so the minimum is
    # the most repeatable estimate of the step's own cost (the median is printed beside it).
    return min(result["times"])


def _have_torch() -> bool:
    try:
        import importlib.util

        return importlib.util.find_spec("torch") is not None
    except ValueError:
        return False


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gpu", action="store_true", help="run on the first NVIDIA GPU at 256², fp32 and mixed precision")
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--steps", type=int, default=8, help="timed steps per round")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds per measurement; the best is kept")
    # 1 by default: on a shared, loaded machine multi-threaded PyTorch CPU kernels slow down 8-25x
    # (spinning OpenMP barriers), which would flatter the ratio; pass --threads N on a quiet machine.
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--configs", default=None, help="comma-separated config names (default: all of the device's)")
    parser.add_argument("--jit", action="store_true", help="also time our step with XLA (jit_compile=True)")
    parser.add_argument("--no-torch", action="store_true", help="time this project's step only")
    parser.add_argument("--skip-memory-goal", action="store_true",
                        help="on CPU, skip the 256² fp32 / mixed allocator-peak runs (about 6 minutes)")
    parser.add_argument("--worker-timeout", type=int, default=1800, help="seconds per measurement subprocess")
    # worker-only options
    parser.add_argument("--worker", choices=("tf", "torch"), help=argparse.SUPPRESS)
    parser.add_argument("--ngf", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--ndf", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--img-size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--n-global", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--mixed", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        result = (worker_tf if args.worker == "tf" else worker_torch)(args)
        print("RESULT " + json.dumps(result), flush=True)
        return 0

    configs = GPU_CONFIGS if args.gpu else CPU_CONFIGS
    if args.configs:
        configs = [c for c in configs if c[0] in args.configs.split(",")]
    use_torch = not args.no_torch and _have_torch()
    device = "GPU" if args.gpu else f"CPU, {args.threads} threads"
    print(f"train step (1 D + 1 G update, Face-ID on), batch {args.batch}, {device}; "
          f"fastest of {args.steps} steps after {args.warmup} warm-up, best of {args.rounds} alternating rounds")
    if not use_torch:
        print("torch is not installed (or --no-torch): timing this project's step only")
    variants = [("tf", False, False)]
    if args.jit:
        variants.append(("tf", False, True))
    if args.gpu:
        variants.append(("tf", True, False))
    if use_torch:
        variants.append(("torch", False, False))
        if args.gpu:
            variants.append(("torch", True, False))
    for config in configs:
        best = {}
        for _ in range(args.rounds):
            for variant in variants:
                result = _run_worker(variant[0], config, args, mixed=variant[1], jit=variant[2])
                if result is not None and (variant not in best or _summary(result) < _summary(best[variant])):
                    best[variant] = result
        for variant, result in best.items():
            framework, mixed, jit = variant
            # tf mixed is compared with torch autocast when that ran, else with torch fp32.
            torch_fp32 = best.get(("torch", mixed, False)) or best.get(("torch", False, False))
            label = {"tf": "tf_p2c", "torch": "pytorch"}[framework] + (" mixed" if mixed else "") + (" xla" if jit else "")
            fastest = _summary(result)
            line = (f"{config[0]:<12} {label:<16} step {fastest * 1000:7.1f} ms (median "
                    f"{statistics.median(result['times']) * 1000:7.1f})  first step {result['first_step_s']:6.1f} s  "
                    f"RSS peak {result['peak_rss_mb']:6.0f} MB, steady {result['rss_end_mb']:6.0f} MB")
            if "gpu_peak_mb" in result:
                line += f"  GPU peak {result['gpu_peak_mb']:.0f} MB"
            elif framework == "tf":
                line += f"  tensors peak {_tensor_peak(result):6.0f} MB"
            else:
                line += f"  tensors ~{_torch_tensor_growth(result):5.0f} MB"
            if torch_fp32 is not None and framework == "tf":
                line += (f"  | vs pytorch: step time x{fastest / _summary(torch_fp32):.2f}, "
                         f"RSS peak x{result['peak_rss_mb'] / torch_fp32['peak_rss_mb']:.2f}, "
                         f"steady x{result['rss_end_mb'] / torch_fp32['rss_end_mb']:.2f}")
                if "gpu_peak_mb" in result and "gpu_peak_mb" in torch_fp32:
                    line += f", GPU peak x{result['gpu_peak_mb'] / max(1e-9, torch_fp32['gpu_peak_mb']):.2f}"
                elif "gpu_peak_mb" not in result:
                    line += f", tensors x{_tensor_peak(result) / max(1.0, _torch_tensor_growth(torch_fp32)):.2f}"
            print(line, flush=True)
            if framework == "torch":
                print(f"{'':<12} (pytorch {result['torch']}: {result['source']})", flush=True)
    if not args.gpu and not args.skip_memory_goal:
        _cpu_memory_goal(args)
    return 0


def _tensor_peak(result) -> float:
    return max(result["tensor_peak_first_mb"], result["tensor_peak_mb"])


def _torch_tensor_growth(result) -> float:
    # PyTorch's CPU tensors come from malloc, whose large blocks are mmap-ed and returned on
    # free, so the resident set's growth over the steps is their peak (Adam's state included,
    # the networks' weights not: they exist before the first step).
    return result["peak_rss_mb"] - result["rss_before_mb"]


def _cpu_memory_goal(args) -> None:
    """The GPU memory goal's configuration run on CPU, reading TensorFlow's allocator peak."""
    config = GPU_CONFIGS[0]
    quick = argparse.Namespace(**{**vars(args), "batch": 1, "steps": 2, "warmup": 0})
    print(f"memory at the GPU goal's size ({config[0]}, batch 1) on CPU: TensorFlow allocator peak")
    peaks = {}
    for mixed in (False, True):
        result = _run_worker("tf", config, quick, mixed=mixed)
        if result is None:
            continue
        label = "mixed" if mixed else "fp32"
        peaks[label] = _tensor_peak(result)
        print(f"{config[0]:<12} tf_p2c {label:<9} tensors peak {peaks[label]:6.0f} MB (first step "
              f"{result['tensor_peak_first_mb']:.0f}, later steps {result['tensor_peak_mb']:.0f})  "
              f"step {_summary(result):6.1f} s  first step {result['first_step_s']:6.1f} s  "
              f"RSS peak {result['peak_rss_mb']:6.0f} MB", flush=True)
    if not args.no_torch and _have_torch():
        result = _run_worker("torch", config, quick)
        if result is not None:
            print(f"{config[0]:<12} pytorch fp32     tensors ~{_torch_tensor_growth(result):5.0f} MB (RSS growth)  "
                  f"step {_summary(result):6.1f} s  RSS peak {result['peak_rss_mb']:6.0f} MB"
                  + (f"  | tf_p2c fp32 tensors x{peaks['fp32'] / max(1.0, _torch_tensor_growth(result)):.2f}"
                     if "fp32" in peaks else ""), flush=True)
    if "mixed" in peaks:
        verdict = "met" if peaks["mixed"] <= GPU_MEMORY_GOAL_MB else "MISSED"
        print(f"goal 256² batch-1 mixed precision <= {GPU_MEMORY_GOAL_MB / 1024:.0f} GB (CPU proxy)  {verdict}  "
              f"{peaks['mixed'] / 1024:.2f} GB", flush=True)


if __name__ == "__main__":
    sys.exit(main())
