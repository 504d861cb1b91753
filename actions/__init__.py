"""Custom Rasa actions. Thin: read slots, call bot's services, answer with domain.yml responses."""
