"""Alerts: rules in the spec evaluated by one replica at a time, delivered to webhooks.

    await raise_alert(rt, "pilot-gate", "critical", "pilot gate breached", {"gate": "csat"})

``raise_alert`` (``alerts.deliver``) is the entry point for other parts of stanchion (the
rollout's pilot gates); the background evaluator is ``alerts.engine.Monitor``.
"""
