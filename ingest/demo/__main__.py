"""Write the demo landing files: ``python -m ingest.demo [--weeks N] [--end-week YYYY-MM-DD] [--seed S] [--scale X]``."""

from __future__ import annotations

import argparse
import json
from datetime import date

from ingest.demo.generator import DemoConfig, generate, last_complete_week
from ingest.settings import get_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", help="landing root (default: <LAGESBILD_DATA_DIR>/landing)")
    parser.add_argument("--weeks", type=int, default=104, help="number of ISO weeks to generate (default 104)")
    parser.add_argument(
        "--end-week",
        type=date.fromisoformat,
        default=None,
        help="Monday of the last week (default: the last complete week before today)",
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every rate (benchmark size knob)")
    parser.add_argument("--plain-csv", action="store_true", help="write every weekly export as comma CSV")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)

    settings = get_settings()
    landing = settings.landing_dir if args.out is None else __import__("pathlib").Path(args.out)
    config = DemoConfig(
        end_week=args.end_week or last_complete_week(),
        weeks=args.weeks,
        seed=args.seed,
        scale=args.scale,
        formats=not args.plain_csv,
        planted_interventions=True,
    )
    summary = generate(config, landing, progress=not args.quiet)
    manifest = landing.parent / "demo_manifest.json"
    manifest.write_text(
        json.dumps(
            {
                "config": {
                    "end_week": config.end_week.isoformat(),
                    "weeks": config.weeks,
                    "seed": config.seed,
                    "scale": config.scale,
                },
                "est_reports": summary.est_reports,
                "police_crimes": summary.police_crimes,
                "police_events": summary.police_events,
                "police_event_revisions": summary.police_event_revisions,
                "police_event_deliveries": summary.police_event_deliveries,
                "bra_indicators": summary.bra_indicators,
                "corrections": summary.corrections,
                "planted_faults": summary.planted_faults,
                "effects": summary.effects,
            },
            ensure_ascii=False,
            indent=1,
        ),
        encoding="utf-8",
    )
    print(
        f"demo data: {config.weeks} weeks {config.first_week}..{config.end_week}, "
        f"{summary.est_reports} EST reports, {summary.police_crimes} police crimes, "
        f"{summary.police_events} police events ({summary.police_event_revisions} versions), "
        f"{summary.bra_indicators} Brå values, {len(summary.corrections)} corrected categories, "
        f"{len(summary.planted_faults)} planted bad rows → {landing}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
