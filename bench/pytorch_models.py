#!/usr/bin/python3
"""PyTorch timings of bench/workloads/models.ts's workloads, on the CPU for the same run of `npm run bench` (or CUDA: bench/gpu.sh).

    /usr/bin/python3 bench/pytorch_models.py [--only KEY,KEY] [--runs N] [--warmup N] [--device cpu|cuda]

--device cuda times the same workloads on the GPU (bench/gpu.sh), each run ended by
torch.cuda.synchronize() as webgrad's are by waiting for the queue.

Prints one JSON line per workload: {"key", "ms" (median), "times", "threads", "torch", "device"}; or, when
torch or torchvision cannot be imported, one line {"skipped": reason}. bench/run.ts runs it as a
subprocess before timing webgrad (lavapipe's GPU is these same CPU cores, so the two never overlap).

Workloads (keys):
  resnet18_forward     torchvision resnet18, eval, torch.no_grad, x [128, 3, 112, 112]
  resnt18rnn_train     the seed's Resnt18Rnn (verbatim below), train mode: forward,
                       CrossEntropyLoss(reduction='sum'), backward, Adam(lr=3e-5) step; x [8, 16, 3, 112, 112]
  resnt18rnn_predict   the same model, eval, torch.no_grad, x [1, 16, 3, 112, 112]
  resnt18rnn_train_per_clip, resnt18rnn_predict_per_clip
                       the same with webgrad's default forward (all B·T frames through the CNN as one
                       batch, each clip its own LSTM sequence; models/reference/resnt18rnn.py's PerClipRnn):
                       the reference's loop runs the CNN at batch B, and at B = 1 this torch build's
                       convolutions are ~10x slower per frame than at batch 16
"""
import argparse
import json
import os
import statistics
import sys
import time
import warnings

NUM_CLASSES = 51
# (warm-up, timed runs) per workload: the train step takes seconds, the forwards less.
DEFAULT_RUNS = {"resnet18_forward": (1, 5), "resnt18rnn_train": (1, 3), "resnt18rnn_predict": (2, 7),
                "resnt18rnn_train_per_clip": (1, 3), "resnt18rnn_predict_per_clip": (2, 7)}

try:
    import torch
    import torch.nn as nn
    from torchvision import models
except ImportError as error:
    print(json.dumps({"skipped": "python3-torch not installed (apt-get install -y python3-torch python3-torchvision)", "error": str(error)}))
    sys.exit(0)

# torchvision 0.14 warns that `pretrained` is deprecated; the reference class uses it as written.
warnings.filterwarnings("ignore", category=UserWarning)


# The seed's model and webgrad's default forward in PyTorch (models/reference/resnt18rnn.py). The
# reference runs the CNN once per time step (batch B) and one LSTM sequence of T·B steps; webgrad's
# default runs all B·T frames at once and each clip as its own sequence. Same FLOPs.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models", "reference"))
from resnt18rnn import PerClipRnn, Resnt18Rnn  # noqa: E402


# Where the workloads run: main() sets it from --device before building them.
DEVICE = "cpu"


def sync():
    if DEVICE.startswith("cuda"):
        torch.cuda.synchronize()


RNN_PARAMS = {"num_classes": NUM_CLASSES, "dr_rate": 0.1, "pretrained": False, "rnn_hidden_size": 100, "rnn_num_layers": 1}


# ---------------------------------------------------------------------------------------------------
# Workloads: each returns one run as a function.

def resnet18_forward():
    model = models.resnet18().eval().to(DEVICE)
    x = torch.randn(128, 3, 112, 112).to(DEVICE)

    def run():
        with torch.no_grad():
            model(x)
    return run


def resnt18rnn_train(cls=Resnt18Rnn):
    model = cls(RNN_PARAMS).train().to(DEVICE)
    x = torch.randn(8, 16, 3, 112, 112).to(DEVICE)
    target = torch.randint(0, NUM_CLASSES, (8,)).to(DEVICE)
    criterion = nn.CrossEntropyLoss(reduction="sum")
    opt = torch.optim.Adam(model.parameters(), lr=3e-5)

    def run():
        opt.zero_grad()
        loss = criterion(model(x), target)
        loss.backward()
        opt.step()
    return run


def resnt18rnn_predict(cls=Resnt18Rnn):
    model = cls(RNN_PARAMS).eval().to(DEVICE)
    x = torch.randn(1, 16, 3, 112, 112).to(DEVICE)

    def run():
        with torch.no_grad():
            model(x)
    return run


WORKLOADS = {"resnet18_forward": resnet18_forward, "resnt18rnn_train": resnt18rnn_train, "resnt18rnn_predict": resnt18rnn_predict,
             "resnt18rnn_train_per_clip": lambda: resnt18rnn_train(PerClipRnn),
             "resnt18rnn_predict_per_clip": lambda: resnt18rnn_predict(PerClipRnn)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(WORKLOADS), help="comma-separated workload keys")
    parser.add_argument("--runs", type=int, help="timed runs (default per workload)")
    parser.add_argument("--warmup", type=int, help="untimed runs first (default per workload)")
    parser.add_argument("--device", default="cpu", help="torch device: cpu (default) or cuda")
    args = parser.parse_args()
    global DEVICE
    DEVICE = args.device
    if DEVICE.startswith("cuda") and not torch.cuda.is_available():
        print(json.dumps({"skipped": f"--device {DEVICE}: torch {torch.__version__} sees no CUDA device"}))
        sys.exit(0)
    # fp32 against fp32: cuDNN would otherwise run the convolutions in TF32 on Ampere and later.
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    keys = [k for k in args.only.split(",") if k]
    unknown = [k for k in keys if k not in WORKLOADS]
    if unknown:
        parser.error(f"unknown workload(s) {unknown}; known: {list(WORKLOADS)}")
    torch.set_num_threads(os.cpu_count() or 1)
    torch.manual_seed(0)
    for key in keys:
        warmup, runs = DEFAULT_RUNS[key]
        warmup = warmup if args.warmup is None else args.warmup
        runs = runs if args.runs is None else args.runs
        run = WORKLOADS[key]()
        for _ in range(warmup):
            run()
        sync()
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            run()
            sync()
            times.append((time.perf_counter() - t0) * 1e3)
        print(json.dumps({"key": key, "ms": statistics.median(times), "times": times,
                          "threads": torch.get_num_threads(), "torch": torch.__version__, "device": DEVICE}), flush=True)


if __name__ == "__main__":
    main()
