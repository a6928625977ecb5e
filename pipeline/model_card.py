"""The site's model-card page: what the published model is and how well it did."""

from __future__ import annotations

import html
import json
from pathlib import Path

from pipeline import checkpoints

PAGE_NAME = "card.html"
METRICS_NAME, CONFUSION_NAME, HELD_OUT_RUN_NAME = checkpoints.CARD_NAMES


def render(
    manifest: dict,
    model_bytes: int,
    metrics: dict | None,
    confusion_url: str | None,
    held_out_run: dict | None = None,
) -> str:
    facts = [
        ("Classes", f"{len(manifest['labels'])}: {' '.join(manifest['labels'])}"),
        ("Input", _input(manifest["inputShape"])),
        *([("Checkpoint step", str(step))] if (step := manifest["checkpointStep"]) is not None
          else []),
        ("Weights fingerprint", manifest["checkpointFingerprint"][:16]),
        ("Model size", f"{model_bytes / 1024:.0f} KiB ({_weights(manifest['quantization'])})"),
    ]
    sections = []
    if metrics:
        network = f"{metrics['architecture']}, alpha {metrics['alpha']}"
        trained = f"{metrics['trained_at']}, {metrics['seconds']:.0f} s, {metrics['epochs']} epochs"
        facts += [
            ("Network", f"{network}, {metrics['parameters']:,} parameters"),
            ("Trained", trained),
            ("Command", metrics["command"]),
        ]
        if "held_out_boards" in metrics:
            sections.append(_boards_table(metrics["held_out_boards"], "this model"))
        elif held_out_run and "held_out_boards" in held_out_run:
            run = f"a run of the same recipe (step {held_out_run['step']}) that left them out"
            sections.append(_boards_table(held_out_run["held_out_boards"], run))
        sections.append(_accuracy_table(metrics))
    else:
        sections.append("<p>No training metrics were saved with this checkpoint.</p>")
    if confusion_url:
        sections.append(
            f'<h2>Confusion matrix</h2><img src="{html.escape(confusion_url)}" '
            'alt="confusion matrix">'
        )
    rows = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in facts)
    return _PAGE.format(facts=rows, sections="".join(sections))


def _accuracy_table(metrics: dict) -> str:
    evaluations = metrics["evaluations"]
    names = list(evaluations)
    header = "".join(f"<th>{html.escape(name.replace('_', ' '))}</th>" for name in names)
    overall = "".join(f"<td>{evaluations[name]['accuracy']:.2%}</td>" for name in names)
    body = []
    for label in metrics["labels"]:
        cells = "".join(
            f"<td>{evaluations[name]['per_class'][label]:.2%}</td>" for name in names
        )
        body.append(f"<tr><th>{html.escape(label)}</th>{cells}</tr>")
    styles = ", ".join(f"<code>{html.escape(name)}</code>" for name in held_out_styles(metrics))
    held_out = (
        f"Held-out style: squares drawn with {styles} pieces, which training never saw; "
        if styles
        else "Nothing was held out of training; "
    )
    return (
        "<h2>Accuracy</h2>"
        f"<p>{held_out}same styles: new squares of the training styles.</p>"
        f"<table><thead><tr><th>class</th>{header}</tr></thead>"
        f"<tbody><tr><th>all squares</th>{overall}</tr>{''.join(body)}</tbody></table>"
    )


def _boards_table(on_boards: dict, whose: str) -> str:
    """Each held-out design read on whole boards by `whose` model, then the mean and worst of
    each group."""
    rows = [
        f"<tr><th>{html.escape(design)}</th><td>{figures['pieces_right']:.2%}</td>"
        f"<td>{figures['exact_boards']:.0%}</td><td>{figures['wrong_outlined']:.0%}</td>"
        f"<td>{figures['right_outlined']:.1%}</td><td>{figures['boards']}</td></tr>"
        for design, figures in on_boards["designs"].items()
    ]
    for group, figures in on_boards.get("summary", {}).items():
        rows.append(
            f"<tr><th>{html.escape(group)}: mean / worst</th>"
            f"<td>{figures['pieces_right_mean']:.2%} / {figures['pieces_right_worst']:.2%}</td>"
            f"<td>{figures['exact_boards_mean']:.0%} / {figures['exact_boards_worst']:.0%}</td>"
            "<td></td><td></td><td></td></tr>"
        )
    threshold = on_boards["doubtful_below"]
    return (
        "<h2>Piece designs it never trained on</h2>"
        f"<p>Whole screenshot boards of each design left out of training, read by {whose} as "
        "the page reads them. Pieces: occupied squares read right. Outlined: the squares the page marks "
        f"as doubtful (less than {threshold:.0%} sure), among the wrong and among the right "
        "ones.</p>"
        "<table><thead><tr><th>design</th><th>pieces</th><th>exact boards</th>"
        "<th>wrong outlined</th><th>right outlined</th><th>boards</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _weights(quantization: str) -> str:
    return "float32 weights" if quantization == "none" else f"weights quantized to {quantization}"


def held_out_styles(metrics: dict) -> list[str]:
    """The piece styles training left out, as metrics.json names them."""
    data = metrics.get("data", {})
    if "held_out_styles" in data:
        return data["held_out_styles"]
    return [data["held_out_style"]] if "held_out_style" in data else []  # metrics format 1


def load_metrics(frozen_dir: Path, name: str = METRICS_NAME) -> dict | None:
    path = Path(frozen_dir) / name
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>Model card</title>
<style>
  :root {{ font-family: system-ui, sans-serif; color: #222; background: #fafaf7; }}
  body {{ max-width: 60rem; margin: 0 auto; padding: 1rem; }}
  dl {{ display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }}
  dt {{ color: #666; }} dd {{ margin: 0; }}
  table {{ border-collapse: collapse; font-variant-numeric: tabular-nums; }}
  th, td {{ border-bottom: 1px solid #ddd; padding: .15rem .6rem; text-align: right; }}
  img {{ max-width: 100%; }}
</style>
</head>
<body>
<p><a href="./">← Back to the classifier</a></p>
<h1>Model card</h1>
<dl>{facts}</dl>
{sections}
</body>
</html>
"""


def _input(shape: list[int]) -> str:
    height, width, channels = shape
    return f"{width}x{height} {'RGB' if channels == 3 else 'grey'} pixels, 0-255 (width x height)"
