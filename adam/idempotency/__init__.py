"""Idempotency-Key on the API's creates: a retried request gets the first answer, once."""
