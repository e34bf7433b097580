#!/usr/bin/env python3
"""Measures the figures of Documentation/results.md and writes them as CSV files, then draws the plot.

usage: scripts/measure-results.py [--models DIR] [--output DIR] [--only comparison|longer|pruning|plot]

  --models DIR   the models that scripts/train-nuclei-comparison.sh wrote (default: results/nuclei)
  --output DIR   where the CSV files and the plot go (default: Documentation/results)

Writes five files:
- comparison.csv has one row per nuclei96 model. It gives the network, seed and parameter count, the
  paper-style mean IoU, foreground IoU and Dice on the held-out 20 %, the epochs and the training time.
- longer-training.csv scores the runs with the longer cosine schedule (NETWORK-cosine[-zscore][-splitN]-sSEED)
  at L4 in fast and accurate mode, each without and with test-time augmentation (--tta), and gives the
  split seed and the validation and training loss of the best epoch. Rows of runs whose model is not in
  --models are kept from the existing file.
- pruning-nuclei.csv scores the bundled nuclei model at L1-L4 fast and L4 accurate. It gives the
  accuracy and the median inference time per image on this CPU.
- pruning-hippocampus.csv does the same for the bundled hippocampus model, with Dice over its 46
  held-out volumes.
- pruning.png draws accuracy against time per pruning level (scripts/plot-pruning.gp).

Only the unetpp command, python3 and gnuplot are needed; every figure comes from a command that the
script prints before running it.
"""

import argparse
import csv
import json
import os
import pathlib
import shlex
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
UNETPP = os.environ.get("UNETPP", str(ROOT / "build" / "release" / "Applications" / "unetpp"))
DATA = pathlib.Path(os.environ.get("UNETPP_SHARED_DATA", str(ROOT.parent / "shared" / "data")))
THREADS = os.environ.get("THREADS", "2")
NETWORKS = ["unet", "wide-unet", "unetpp", "unetpp-ds"]
NETWORK_NAMES = {
    "unet": "U-Net",
    "wide-unet": "Wide U-Net",
    "unetpp": "UNet++ without deep supervision",
    "unetpp-ds": "UNet++ with deep supervision",
    # Not part of the comparison: trained only with the longer schedule.
    "unetpp-ds-half": "UNet++ with deep supervision, half the paper's widths",
    "unetpp-ds-full": "UNet++ with deep supervision, the paper's widths",
}
# The UNet++ paper's Table 3, cell nuclei, IoU in percent.
PAPER_IOU = {"unet": 90.77, "wide-unet": 90.92, "unetpp": 92.63, "unetpp-ds": 92.52}
PRUNING_CONFIGURATIONS = [(1, "fast"), (2, "fast"), (3, "fast"), (4, "fast"), (4, "accurate")]


def run(command):
    print("+ " + " ".join(shlex.quote(str(part)) for part in command), flush=True)
    subprocess.run([str(part) for part in command], check=True, stdout=subprocess.DEVNULL)


def evaluate(model, data, level, mode, tta=False):
    with tempfile.TemporaryDirectory() as folder:
        report = pathlib.Path(folder) / "report.json"
        run([UNETPP, "evaluate", "--model", model, "--data", data, "--cases-from-model", "--level", level,
             "--mode", mode, "--threads", THREADS, "--json", report] + (["--tta"] if tta else []))
        return json.loads(report.read_text())


def benchmark(model, images, configurations, max_images):
    levels = sorted({level for level, _ in configurations})
    modes = sorted({mode for _, mode in configurations})
    with tempfile.TemporaryDirectory() as folder:
        table = pathlib.Path(folder) / "benchmark.csv"
        run([UNETPP, "benchmark", "--model", model, "--input", images, "--levels", ",".join(map(str, levels)),
             "--modes", ",".join(modes), "--runs", "7", "--warmup", "2", "--max-images", max_images,
             "--threads", THREADS, "--csv", table])
        with table.open(newline="") as stream:
            rows = list(csv.DictReader(stream))
    return {(int(row["level"]), row["mode"]): row for row in rows}


def model_training(model):
    info = subprocess.run([UNETPP, "info", "--model", model, "--json"], check=True, capture_output=True,
                          text=True).stdout
    return json.loads(info)


def write_csv(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0].keys()), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print("wrote " + str(path), flush=True)


def accuracy(report):
    foreground = report["summary"][0]
    return {
        "paper_mean_iou": report["paper_mean_iou"]["value"],
        "foreground_iou": foreground["iou_mean"],
        "foreground_iou_sd": foreground["iou_standard_deviation"],
        "dice": foreground["dice_mean"],
        "dice_sd": foreground["dice_standard_deviation"],
        "cases": report["evaluated_cases"],
    }


def scores_and_training(scores, training):
    """Returns the accuracy and training columns that comparison.csv and longer-training.csv share."""
    return {
        "paper_mean_iou": round(scores["paper_mean_iou"], 5),
        "foreground_iou": round(scores["foreground_iou"], 5),
        "dice": round(scores["dice"], 5),
        "validation_images": scores["cases"],
        "best_epoch": training.get("best_epoch", ""),
        "epochs": training.get("completed_epochs", ""),
        "training_minutes": round(training.get("seconds", 0.0) / 60.0, 1),
    }


def measure_comparison(models, output):
    nuclei = DATA / "nuclei96"
    rows = []
    for path in sorted(models.glob("*.unetpp")):
        network, _, seed = path.stem.rpartition("-s")
        if network not in NETWORKS:
            continue
        scores = accuracy(evaluate(path, nuclei, 4, "accurate"))
        timing = benchmark(path, nuclei / "images", [(4, "accurate")], "50")[(4, "accurate")]
        training = model_training(path)["training"]
        rows.append({
            "network": network,
            "name": NETWORK_NAMES[network],
            "seed": int(seed),
            "parameters": int(timing["parameters"]),
            **scores_and_training(scores, training),
            "seconds_per_image": round(float(timing["median_seconds"]), 5),
            "paper_iou_percent": PAPER_IOU[network],
        })
    if not rows:
        sys.exit("measure-results: no models named NETWORK-sSEED.unetpp in " + str(models))
    rows.sort(key=lambda row: (NETWORKS.index(row["network"]), row["seed"]))
    write_csv(output / "comparison.csv", rows)
    return rows


def measure_longer(models, output, required):
    nuclei = DATA / "nuclei96"
    rows = []
    for path in sorted(models.glob("*-cosine*-s*.unetpp")):
        run_name, _, seed = path.stem.rpartition("-s")
        network = run_name.split("-cosine")[0]
        training = model_training(path)["training"]
        # A network without deep supervision has one head, so its two modes give the same labels.
        modes = ("fast", "accurate") if network.startswith("unetpp-ds") else ("fast",)
        # NETWORK-cosine-splitN-sSEED holds out the images that split seed N chooses, and the others use 42.
        network_and_schedule, _, split_seed = run_name.partition("-split")
        history = training.get("history", [])
        best = next((entry for entry in history if entry["epoch"] == training.get("best_epoch")), None)
        for mode in modes:
            for tta in (False, True):
                scores = accuracy(evaluate(path, nuclei, 4, mode, tta))
                rows.append({
                    "run": path.stem,
                    "name": NETWORK_NAMES[network],
                    "intensity": "zscore" if "-zscore" in network_and_schedule else "scale 1/255",
                    "seed": int(seed),
                    "split_seed": int(split_seed) if split_seed else 42,
                    "level": 4,
                    "mode": mode,
                    "tta": "yes" if tta else "no",
                    **scores_and_training(scores, training),
                    "best_validation_loss": round(best["validation_loss"], 4) if best else "",
                    "training_loss_at_best_epoch": round(best["training_loss"], 4) if best else "",
                })
    if not rows:
        message = "no models named NETWORK-cosine[-zscore][-splitN]-sSEED.unetpp in " + str(models)
        if required:
            sys.exit("measure-results: " + message)
        print("measure-results: " + message + "; longer-training.csv is left as it is", flush=True)
        return rows
    # Rows of runs whose model is not in --models stay as they were, so that a run trained later can be
    # added without training the earlier ones again.
    path = output / "longer-training.csv"
    measured = {row["run"] for row in rows}
    if path.exists():
        with path.open(newline="") as stream:
            earlier_rows = [row for row in csv.DictReader(stream) if row["run"] not in measured]
        # Files written before runs with other splits existed have no split_seed column, and all their runs used 42.
        # Losses were not recorded then either, and the models may be gone.
        for row in earlier_rows:
            row.setdefault("split_seed", "42")
            row.setdefault("best_validation_loss", "")
            row.setdefault("training_loss_at_best_epoch", "")
        earlier_rows = [{key: row[key] for key in rows[0]} for row in earlier_rows]
        rows = earlier_rows + rows
    write_csv(path, rows)
    return rows


def measure_pruning(model, data, images, max_images, metric, output_csv):
    timings = benchmark(model, images, PRUNING_CONFIGURATIONS, max_images)
    rows = []
    for level, mode in PRUNING_CONFIGURATIONS:
        report = evaluate(model, data, level, mode)
        timing = timings[(level, mode)]
        row = {"level": level, "mode": mode, "parameters": int(timing["parameters"])}
        if metric == "paper_mean_iou":
            scores = accuracy(report)
            row.update({"paper_mean_iou": round(scores["paper_mean_iou"], 5),
                        "foreground_iou": round(scores["foreground_iou"], 5), "dice": round(scores["dice"], 5)})
        else:
            dice = [entry["dice_mean"] for entry in report["summary"]]
            row.update({"dice_" + entry["name"].replace(" ", "_"): round(entry["dice_mean"], 5)
                        for entry in report["summary"]})
            row["dice"] = round(sum(dice) / len(dice), 5)
        row.update({"median_seconds": round(float(timing["median_seconds"]), 5),
                    "q1_seconds": round(float(timing["q1_seconds"]), 5),
                    "q3_seconds": round(float(timing["q3_seconds"]), 5),
                    "threads": timing["threads"], "device": timing["device"]})
        rows.append(row)
    full = rows[3]["median_seconds"]
    for row in rows:
        row["time_relative_to_L4_fast"] = round(row["median_seconds"] / full, 3)
    write_csv(output_csv, rows)


def mean_and_spread(values):
    mean = sum(values) / len(values)
    spread = (sum((value - mean) ** 2 for value in values) / len(values)) ** 0.5
    return mean, spread


def write_tables(output):
    """Writes tables.md: the comparison per network (mean and spread over seeds) and both pruning tables."""
    with (output / "comparison.csv").open(newline="") as stream:
        comparison = list(csv.DictReader(stream))
    lines = ["# Measured results", "",
             "Written by `scripts/measure-results.py` from the CSV files of this folder; do not edit by hand.", "",
             "## UNet++ paper comparison on nuclei96 (held-out 20 %, paper widths divided by 4)", "",
             "| network | seeds | parameters | paper-style mean IoU | foreground IoU | Dice | paper's IoU |",
             "|---|---|---|---|---|---|---|"]
    for network in NETWORKS:
        rows = [row for row in comparison if row["network"] == network]
        if not rows:
            continue
        cells = []
        for column in ("paper_mean_iou", "foreground_iou", "dice"):
            mean, spread = mean_and_spread([float(row[column]) for row in rows])
            cells.append("%.4f" % mean if len(rows) == 1 else "%.4f ± %.4f" % (mean, spread))
        lines.append("| %s | %d | %s | %s | %s | %s | %.4f |" % (
            NETWORK_NAMES[network], len(rows), "{:,}".format(int(rows[0]["parameters"])), cells[0], cells[1],
            cells[2], PAPER_IOU[network] / 100.0))
    lines += ["", "Per run:", "", "| network | seed | paper-style mean IoU | foreground IoU | Dice | best epoch | "
              "training minutes |", "|---|---|---|---|---|---|---|"]
    for row in comparison:
        lines.append("| %s | %s | %s | %s | %s | %s of %s | %s |" % (
            NETWORK_NAMES[row["network"]], row["seed"], row["paper_mean_iou"], row["foreground_iou"], row["dice"],
            row["best_epoch"], row["epochs"], row["training_minutes"]))
    longer = output / "longer-training.csv"
    if longer.exists():
        with longer.open(newline="") as stream:
            rows = list(csv.DictReader(stream))
        lines += ["", "## Longer training on nuclei96 (cosine schedule, learning rate 1e-3 to 1e-5)", "",
                  "| run | split seed | intensity | L4 mode | test-time augmentation | paper-style mean IoU | "
                  "foreground IoU | Dice | best epoch | training minutes |", "|---|---|---|---|---|---|---|---|---|---|"]
        for row in rows:
            lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s of %s | %s |" % (
                row["run"], row.get("split_seed", "42"), row["intensity"], row["mode"], row["tta"],
                row["paper_mean_iou"], row["foreground_iou"], row["dice"], row["best_epoch"], row["epochs"], row["training_minutes"]))
    for name, title, metric in (("pruning-nuclei.csv", "Pruning, bundled nuclei model", "paper_mean_iou"),
                                ("pruning-hippocampus.csv", "Pruning, bundled hippocampus model", "dice")):
        path = output / name
        if not path.exists():
            continue
        with path.open(newline="") as stream:
            rows = list(csv.DictReader(stream))
        lines += ["", "## " + title, "",
                  "| level | mode | parameters | %s | median ms | time / L4 fast |" % metric.replace("_", " "),
                  "|---|---|---|---|---|---|"]
        for row in rows:
            lines.append("| L%s | %s | %s | %s | %.2f | %s |" % (
                row["level"], row["mode"], "{:,}".format(int(row["parameters"])), row[metric],
                1000.0 * float(row["median_seconds"]), row["time_relative_to_L4_fast"]))
    (output / "tables.md").write_text("\n".join(lines) + "\n")
    print("wrote " + str(output / "tables.md"), flush=True)


def plot(output):
    run(["gnuplot", "-c", ROOT / "scripts" / "plot-pruning.gp", output / "pruning-nuclei.csv",
         output / "pruning-hippocampus.csv", output / "pruning.png"])
    print("wrote " + str(output / "pruning.png"), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=pathlib.Path, default=ROOT / "results" / "nuclei")
    parser.add_argument("--output", type=pathlib.Path, default=ROOT / "Documentation" / "results")
    parser.add_argument("--only", choices=["comparison", "longer", "pruning", "plot"],
                        help="run one step: plot also rewrites tables.md from the CSV files")
    arguments = parser.parse_args()
    if not pathlib.Path(UNETPP).exists():
        sys.exit("measure-results: " + UNETPP + " not found; build first or set UNETPP")

    if arguments.only in (None, "comparison"):
        measure_comparison(arguments.models, arguments.output)
    if arguments.only in (None, "longer"):
        measure_longer(arguments.models, arguments.output, required=arguments.only == "longer")
    if arguments.only in (None, "pruning"):
        nuclei_model = ROOT / "Data" / "nuclei.unetpp"
        measure_pruning(nuclei_model, DATA / "nuclei96", DATA / "nuclei96" / "images", "50", "paper_mean_iou",
                        arguments.output / "pruning-nuclei.csv")
        hippocampus = DATA / "hippocampus"
        measure_pruning(ROOT / "Data" / "hippocampus.unetpp", hippocampus,
                        hippocampus / "imagesTr" / "hippocampus_133.nii.gz", "1", "dice",
                        arguments.output / "pruning-hippocampus.csv")
    if arguments.only in (None, "plot"):
        plot(arguments.output)
        write_tables(arguments.output)


if __name__ == "__main__":
    main()
