"""A Telegram symptom-check bot for clinics, driven by YAML dialogs."""

__version__ = "0.1.0"
