"""Server mode's alerts: Prefect automations from ``config/prefect/automations.yaml``, applied.

The file is Prefect's own automation format; an action's ``block: NAME`` names a notification
block this module creates: a webhook to the kehoach web app (``/canh-bao/prefect``), which
emails the admin. Applying twice replaces, never duplicates: each automation and block is
looked up by name first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from kehoach.settings import Settings

AUTOMATIONS_FILE = Path(__file__).resolve().parent.parent / "config" / "prefect" / "automations.yaml"
BLOCKS = {"kehoach-canh-bao": "failure", "kehoach-canh-bao-im-lang": "silence"}


def automations(path: Path = AUTOMATIONS_FILE) -> list[dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return list(data["automations"])


def alert_blocks(settings: Settings) -> dict[str, Any]:
    """One webhook block per alert kind; the token lets the web app tell Prefect from a stranger."""
    from prefect.blocks.notifications import CustomWebhookNotificationBlock

    return {
        name: CustomWebhookNotificationBlock(
            name=name, url=settings.alert_webhook_url, method="POST",
            json_data={"kind": kind, "subject": "{{subject}}", "body": "{{body}}"},
            headers={"Authorization": "Bearer {{token}}"},
            secrets={"token": settings.alert_token()},
        )
        for name, kind in BLOCKS.items()
    }


def apply(settings: Settings, path: Path = AUTOMATIONS_FILE) -> list[str]:
    """Create or replace the blocks and automations on the Prefect server; returns their names."""
    from prefect import get_client
    from prefect.events.schemas.automations import AutomationCore

    ids = {name: block.save(name, overwrite=True) for name, block in alert_blocks(settings).items()}
    names = []
    with get_client(sync_client=True) as client:
        for spec in automations(path):
            actions = [{**{k: v for k, v in a.items() if k != "block"}, "block_document_id": str(ids[a["block"]])}
                       if "block" in a else a for a in spec["actions"]]
            automation = AutomationCore.model_validate({**spec, "actions": actions})
            for old in client.read_automations_by_name(automation.name):
                client.delete_automation(old.id)
            client.create_automation(automation)
            names.append(automation.name)
    return names
