"""Who hears about a failed run or a failed check: a log file by default; e-mail, Teams or Slack when configured.

Configuration is by environment variable only:

* ``LAGESBILD_ALERT_LOG`` - the alert log (default ``<data>/logs/alerts.log``), always written
* ``LAGESBILD_ALERT_WEBHOOK_URL`` - a Teams or Slack incoming webhook (a JSON ``{"text": ...}`` POST)
* ``LAGESBILD_ALERT_SMTP_HOST``, ``LAGESBILD_ALERT_SMTP_PORT`` (25), ``LAGESBILD_ALERT_EMAIL_FROM``,
  ``LAGESBILD_ALERT_EMAIL_TO`` (comma-separated) - e-mail through a (local) SMTP relay

A channel that fails to deliver is recorded in the log file; it never fails the run that reported the problem.
"""

from __future__ import annotations

import json
import os
import smtplib
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import dagster as dg
import httpx


class Notifier(dg.ConfigurableResource):
    log_path: str
    webhook_url: str | None = None
    smtp_host: str | None = None
    smtp_port: int = 25
    email_from: str | None = None
    email_to: str | None = None

    @classmethod
    def from_environment(cls, data_dir: str) -> Notifier:
        env = os.environ.get
        return cls(
            log_path=env("LAGESBILD_ALERT_LOG", str(Path(data_dir) / "logs" / "alerts.log")),
            webhook_url=env("LAGESBILD_ALERT_WEBHOOK_URL") or None,
            smtp_host=env("LAGESBILD_ALERT_SMTP_HOST") or None,
            smtp_port=int(env("LAGESBILD_ALERT_SMTP_PORT", "25")),
            email_from=env("LAGESBILD_ALERT_EMAIL_FROM") or None,
            email_to=env("LAGESBILD_ALERT_EMAIL_TO") or None,
        )

    def notify(self, kind: str, subject: str, details: dict) -> list[str]:
        """Send an alert on every configured channel; returns the channels that delivered."""
        record = {"at": datetime.now(UTC).isoformat(timespec="seconds"), "kind": kind, "subject": subject, **details}
        delivered = []
        problems = []
        if self.webhook_url:
            try:
                text = f"Lägesbild: {subject}\n" + "\n".join(f"{k}: {v}" for k, v in details.items())
                httpx.post(self.webhook_url, json={"text": text}, timeout=10).raise_for_status()
                delivered.append("webhook")
            except httpx.HTTPError as exc:
                problems.append(f"webhook: {exc}")
        if self.smtp_host and self.email_to:
            try:
                message = EmailMessage()
                message["Subject"] = f"[Lägesbild] {subject}"
                message["From"] = self.email_from or "lagesbild@localhost"
                message["To"] = self.email_to
                message.set_content(json.dumps(record, ensure_ascii=False, indent=2, default=str))
                with smtplib.SMTP(self.smtp_host, self.smtp_port, timeout=10) as smtp:
                    smtp.send_message(message)
                delivered.append("email")
            except (OSError, smtplib.SMTPException) as exc:
                problems.append(f"email: {exc}")
        if problems:
            record["delivery_problems"] = problems
        path = Path(self.log_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
        delivered.append("log")
        return delivered
